package org.e2guard.ops.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Executable;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.ConfigMappingInterface;
import io.smallrye.config.ConfigMappings;

/**
 * Every e2guard configuration key the code reads, found in the compiled classes rather than
 * listed by hand: the leaves of each {@code @ConfigMapping} (named as SmallRye names them), each
 * {@code @ConfigProperty} injection point, and the e2guard keys set in application.properties.
 */
final class ConfigKeys {

    /** A key and its default ({@code Optional.empty()} when it has none). */
    record Key(String name, Optional<String> defaultValue, String source) {
    }

    private ConfigKeys() {
    }

    static Map<String, Key> e2guardKeys(Path classes) {
        Map<String, Key> keys = new TreeMap<>();
        for (Class<?> c : classes(classes)) {
            ConfigMapping mapping = c.getAnnotation(ConfigMapping.class);
            if (mapping != null) {
                ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(c, mapping.prefix()))
                        .forEach((name, property) -> leaf(name, property).ifPresent(p -> keys.put(name,
                                new Key(name, defaultOf(p), c.getSimpleName()))));
            }
            List<AnnotatedElement> points = new ArrayList<>(List.of(c.getDeclaredFields()));
            List<Executable> executables = new ArrayList<>(List.of(c.getDeclaredMethods()));
            executables.addAll(List.of(c.getDeclaredConstructors()));
            for (Executable e : executables) {
                for (Parameter p : e.getParameters()) {
                    points.add(p);
                }
            }
            for (AnnotatedElement point : points) {
                ConfigProperty cp = point.getAnnotation(ConfigProperty.class);
                if (cp != null && cp.name().startsWith("e2guard.")) {
                    Optional<String> def = ConfigProperty.UNCONFIGURED_VALUE.equals(cp.defaultValue())
                            ? Optional.empty() : Optional.of(cp.defaultValue());
                    keys.putIfAbsent(cp.name(), new Key(cp.name(), def, c.getSimpleName()));
                }
            }
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(classes.resolve("application.properties"))) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String name : props.stringPropertyNames()) {
            String key = name.startsWith("%") ? name.substring(name.indexOf('.') + 1) : name;
            if (key.startsWith("e2guard.")) {
                keys.putIfAbsent(key, new Key(key, Optional.empty(), "application.properties"));
            }
        }
        return keys;
    }

    /** SmallRye's environment-variable name of a key: every non-alphanumeric character becomes _, upper case. */
    static String env(String key) {
        // a map key (e2guard.ehr.*.base-url) is named by the placeholder NAME: E2GUARD_EHR_NAME_BASE_URL
        return key.replace("*", "NAME").replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** The property if it is a value an operator sets (not a group; a list is documented by its own key, not [*]). */
    private static Optional<ConfigMappingInterface.Property> leaf(String name, ConfigMappingInterface.Property p) {
        if (p.isGroup() || p.isDefaultMethod() || name.endsWith("[*]")) {
            return Optional.empty();
        }
        if (p.isOptional() && p.asOptional().getNestedProperty().isGroup()) {
            return Optional.empty();
        }
        return Optional.of(p);
    }

    private static Optional<String> defaultOf(ConfigMappingInterface.Property p) {
        ConfigMappingInterface.Property inner = p.isOptional() ? p.asOptional().getNestedProperty() : p;
        return p.hasDefaultValue() ? Optional.of(p.getDefaultValue())
                : inner.hasDefaultValue() ? Optional.of(inner.getDefaultValue()) : Optional.empty();
    }

    private static List<Class<?>> classes(Path root) {
        try (Stream<Path> files = Files.walk(root.resolve("org/e2guard"))) {
            return files.filter(f -> f.toString().endsWith(".class"))
                    .map(f -> root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .map(ConfigKeys::load).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ConfigKeys.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
