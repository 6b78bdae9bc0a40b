package io.leasecron.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inputs of a native build, as Quarkus' native build steps leave them with {@code quarkus.native.sources-only}
 * (the {@code native-sources} execution of the pom, into target/native-check): what {@code native-image} would be
 * run with is complete, its executable is what Dockerfile.native copies, and the reflection configuration holds every
 * class Jackson reads or writes for the API. Only the {@code native-image} run itself, which needs GraalVM or
 * Mandrel, is left out.
 */
class NativeSourcesIT {
    static Path sources;
    static List<String> args;
    static Path runnerJar;

    @BeforeAll
    static void read() throws IOException {
        sources = Path.of(System.getProperty("native-sources.dir", "target/native-check/native-sources"));
        Path argsFile = sources.resolve("native-image.args");
        assertTrue(Files.isRegularFile(argsFile), argsFile + " is missing: the pom's native-sources execution did not run"
                + " (it is skipped with -DskipTests, -Dnative, -Pchaos, -Pbench or -Dnative-sources.skip=true)");
        args = List.of(Files.readString(argsFile).strip().split("\\s+"));
        int jar = args.indexOf("-jar");
        assertTrue(jar > 0 && jar == args.size() - 2, "native-image.args ends with <name> -jar <runner jar>: " + args);
        runnerJar = sources.resolve(args.get(jar + 1));
    }

    @Test
    void the_arguments_name_quarkus_features_and_allow_no_fallback_to_a_jvm() {
        assertTrue(args.contains("--features=io.quarkus.runner.Feature,io.quarkus.runtime.graal.DisableLoggingFeature,"
                + "io.quarkus.runtime.graal.SkipConsoleServiceProvidersFeature"), String.join(" ", args));
        assertTrue(args.contains("--no-fallback"));
        assertTrue(args.contains("--link-at-build-time"));
        assertTrue(args.contains("--enable-url-protocols=http,https"), "the HTTP action and the API client need both");
        assertTrue(args.contains("-H:IncludeResourceBundles=com.cronutils.CronUtilsI18N"),
                "schedule descriptions read cron-utils' words from this bundle at run time: " + args);
    }

    @Test
    void the_executable_is_the_file_dockerfile_native_copies() {
        String executable = args.get(args.size() - 3);
        assertTrue(executable.matches("leasecron-[^/]+-runner"), executable);
        String copied = Dockerfile.read(DockerfilesTest.NATIVE).copies().get(0).sources().get(0);
        assertTrue(FileSystems.getDefault().getPathMatcher("glob:" + copied).matches(Path.of("target", executable)),
                copied + " does not match target/" + executable);
    }

    @Test
    void every_jar_on_the_runner_class_path_is_present() throws IOException {
        List<String> missing = new ArrayList<>();
        String classPath;
        try (JarFile jar = new JarFile(runnerJar.toFile())) {
            classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
        }
        List<String> entries = List.of(classPath.strip().split("\\s+"));
        for (String entry : entries) {
            if (!Files.isRegularFile(sources.resolve(entry))) {
                missing.add(entry);
            }
        }
        assertEquals(List.of(), missing);
        assertTrue(entries.size() > 100, "the whole application is on the class path: " + entries.size() + " jars");
    }

    @Test
    void the_reflection_configuration_registers_every_api_json_class_whole() throws IOException {
        Map<String, JsonNode> config = reflectionConfig();
        List<String> notWhole = new ArrayList<>();
        for (Class<?> c : JsonTypes.all()) {
            JsonNode e = config.get(c.getName());
            if (e == null || !e.path("allDeclaredConstructors").asBoolean() || !e.path("allDeclaredMethods").asBoolean()
                    || !e.path("allDeclaredFields").asBoolean()) {
                notWhole.add(c.getName() + " -> " + e);
            }
        }
        assertEquals(List.of(), notWhole, "constructors, methods and fields of each must be registered");
        assertTrue(JsonTypes.all().size() >= JsonTypesRegisteredTest.KNOWN_VIEWS.size());
    }

    @Test
    void the_kubernetes_job_template_shown_in_a_job_view_is_registered_by_the_client_extension() throws IOException {
        JsonNode e = reflectionConfig().get("io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec");
        assertTrue(e != null && e.path("allDeclaredMethods").asBoolean() && e.path("allDeclaredFields").asBoolean(),
                "KubernetesJobActionParser converts a job's template into it and the job view writes it back: " + e);
    }

    private static Map<String, JsonNode> reflectionConfig() throws IOException {
        Map<String, JsonNode> byName = new HashMap<>();
        try (JarFile jar = new JarFile(runnerJar.toFile())) {
            var entry = jar.getEntry("META-INF/native-image/reflect-config.json");
            assertTrue(entry != null, runnerJar + " has no META-INF/native-image/reflect-config.json");
            try (InputStream in = jar.getInputStream(entry)) {
                for (JsonNode e : new ObjectMapper().readTree(in)) {
                    byName.put(e.path("name").asText(), e);
                }
            }
        }
        return byName;
    }
}
