package io.leasecron.image;

import io.leasecron.api.JobsResource;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Every class of the service that Jackson reads or writes through the REST layer, found from the compiled classes
 * of {@code io.leasecron.api}: each record there (a body returned inside a {@link Response} is invisible in a
 * method's signature, so every record of the package counts as a JSON view), the bodies and return types of resource
 * methods, and every leasecron type reachable from those through record components, fields and type arguments.
 * JDK types (strings, numbers, collections) need no registration; Kubernetes model classes are registered by the
 * kubernetes-client extension.
 */
final class JsonTypes {
    static final String API_PACKAGE = "io.leasecron.api";

    private JsonTypes() {
    }

    static Set<Class<?>> all() {
        Set<Class<?>> found = new TreeSet<>(Comparator.comparing(Class::getName));
        Deque<Type> pending = new ArrayDeque<>();
        for (Class<?> c : apiClasses()) {
            if (c.isRecord()) {
                pending.add(c);
            }
            if (c.isAnnotationPresent(Path.class)) {
                for (Method m : c.getDeclaredMethods()) {
                    if (isResourceMethod(m)) {
                        pending.add(m.getGenericReturnType());
                        for (Parameter p : m.getParameters()) {
                            if (p.getAnnotations().length == 0) { // no @PathParam, @QueryParam...: the request body
                                pending.add(p.getParameterizedType());
                            }
                        }
                    }
                }
            }
        }
        while (!pending.isEmpty()) {
            Type t = pending.poll();
            if (t instanceof ParameterizedType p) {
                pending.add(p.getRawType());
                pending.addAll(Arrays.asList(p.getActualTypeArguments()));
            } else if (t instanceof GenericArrayType a) {
                pending.add(a.getGenericComponentType());
            } else if (t instanceof WildcardType w) {
                pending.addAll(Arrays.asList(w.getUpperBounds()));
            } else if (t instanceof Class<?> c) {
                if (c.isArray()) {
                    pending.add(c.getComponentType());
                } else if (c.getName().startsWith("io.leasecron.") && found.add(c)) {
                    if (c.isRecord()) {
                        for (RecordComponent rc : c.getRecordComponents()) {
                            pending.add(rc.getGenericType());
                        }
                    } else {
                        for (Field f : c.getDeclaredFields()) {
                            if (!Modifier.isStatic(f.getModifiers())) {
                                pending.add(f.getGenericType());
                            }
                        }
                    }
                }
            }
        }
        return found;
    }

    /** A method annotated with {@code @GET}, {@code @POST}...: its return type ({@link Response} adds nothing). */
    private static boolean isResourceMethod(Method m) {
        return Arrays.stream(m.getAnnotations()).anyMatch(a -> a.annotationType().isAnnotationPresent(HttpMethod.class));
    }

    /** The classes of the API package, read from wherever they were loaded: target/classes or the packaged jar. */
    static List<Class<?>> apiClasses() {
        try {
            java.nio.file.Path location = java.nio.file.Path.of(
                    JobsResource.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) {
                return classesUnder(location.resolve(API_PACKAGE.replace('.', '/')));
            }
            try (FileSystem jar = FileSystems.newFileSystem(location, Map.of())) {
                return classesUnder(jar.getPath(API_PACKAGE.replace('.', '/')));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Class<?>> classesUnder(java.nio.file.Path dir) throws IOException {
        try (Stream<java.nio.file.Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".class")).sorted()
                    .map(n -> API_PACKAGE + "." + n.substring(0, n.length() - ".class".length()))
                    .<Class<?>>map(JsonTypes::load).toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, JsonTypes.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
