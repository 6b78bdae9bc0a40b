package io.leasecron.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.deployment.images.ContainerImages;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What can be known of the two images without a container engine: pinned bases (the ones Quarkus itself defaults
 * to for the version the project builds with), a numeric non-root user, both ports, the exec-form entry point, and
 * COPY instructions that take what {@code ./mvnw package} produces and that {@code .dockerignore} lets through.
 * {@link JvmImageIT} then runs the JVM image's layout, and {@link NativeSourcesIT} checks the executable's name.
 */
class DockerfilesTest {
    static final Path JVM = Path.of("src/main/docker/Dockerfile.jvm");
    static final Path NATIVE = Path.of("src/main/docker/Dockerfile.native");

    @Test
    void both_images_start_from_a_pinned_ubi9_base_the_quarkus_release_defaults_to() {
        assertEquals(ContainerImages.UBI9_JAVA_17, Dockerfile.read(JVM).only("FROM"));
        assertEquals(ContainerImages.UBI9_MINIMAL, Dockerfile.read(NATIVE).only("FROM"));
        for (Path p : List.of(JVM, NATIVE)) {
            String from = Dockerfile.read(p).only("FROM");
            String tag = from.substring(from.lastIndexOf(':') + 1);
            assertTrue(tag.matches("\\d+(\\.\\d+)+"), p + ": FROM " + from + " is not pinned to a version tag");
        }
    }

    @Test
    void both_images_run_as_a_numeric_non_root_user() {
        assertEquals("185", Dockerfile.read(JVM).user(), "the user of Red Hat's OpenJDK images, owner of /deployments");
        assertEquals("1001", Dockerfile.read(NATIVE).user());
    }

    @Test
    void both_images_expose_the_api_and_the_management_interface() {
        assertEquals(List.of("8080", "9000"), Dockerfile.read(JVM).exposed());
        assertEquals(List.of("8080", "9000"), Dockerfile.read(NATIVE).exposed());
    }

    @Test
    void the_jvm_image_starts_the_fast_jar_through_run_java_with_the_appended_options() {
        Dockerfile jvm = Dockerfile.read(JVM);
        assertEquals(List.of("/opt/jboss/container/java/run/run-java.sh"), jvm.entrypoint());
        Map<String, String> env = jvm.env();
        assertEquals("/deployments/quarkus-run.jar", env.get("JAVA_APP_JAR"));
        assertEquals("-Dquarkus.http.host=0.0.0.0 -Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                env.get("JAVA_OPTS_APPEND"));
        assertFalse(env.containsKey("JAVA_OPTS"), "JAVA_OPTS would replace run-java.sh's container sizing");
    }

    @Test
    void the_jvm_image_copies_the_four_layers_of_the_fast_jar_owned_by_its_user() {
        List<Dockerfile.Copy> copies = Dockerfile.read(JVM).copies();
        assertEquals(List.of("target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/",
                "target/quarkus-app/quarkus/"), copies.stream().flatMap(c -> c.sources().stream()).toList());
        assertEquals(List.of("/deployments/lib/", "/deployments/", "/deployments/app/", "/deployments/quarkus/"),
                copies.stream().map(Dockerfile.Copy::destination).toList());
        copies.forEach(c -> assertEquals(Map.of("chown", "185"), c.flags(), "COPY at line " + c.line()));
    }

    @Test
    void the_native_image_runs_the_runner_from_its_work_directory_on_all_interfaces() {
        Dockerfile n = Dockerfile.read(NATIVE);
        assertEquals("/work/", n.only("WORKDIR"));
        List<Dockerfile.Copy> copies = n.copies();
        assertEquals(1, copies.size());
        assertEquals(List.of("target/*-runner"), copies.get(0).sources());
        assertEquals("/work/application", copies.get(0).destination());
        assertEquals(Map.of("chown", "1001:root", "chmod", "0755"), copies.get(0).flags());
        assertEquals(List.of("./application", "-Dquarkus.http.host=0.0.0.0"), n.entrypoint());
    }

    @Test
    void dockerignore_lets_in_exactly_what_the_copies_take() {
        BuildContext context = BuildContext.of(Path.of(""));
        assertFalse(context.excluded("target/quarkus-app/quarkus-run.jar"));
        assertFalse(context.excluded("target/quarkus-app/lib/main/io.quarkus.quarkus-core-3.27.2.jar"));
        assertFalse(context.excluded("target/quarkus-app/quarkus/quarkus-application.dat"));
        assertFalse(context.excluded("target/leasecron-0.1.0-SNAPSHOT-runner"));
        assertTrue(context.excluded("target/leasecron-0.1.0-SNAPSHOT.jar"));
        assertTrue(context.excluded("target/native-check/native-sources/native-image.args"));
        assertTrue(context.excluded("src/main/java/io/leasecron/Replica.java"));
        assertTrue(context.excluded(".git/config"));
    }
}
