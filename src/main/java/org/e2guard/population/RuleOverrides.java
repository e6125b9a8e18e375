package org.e2guard.population;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.e2guard.engine.RuleParameters;
import org.e2guard.evaluation.RulesConfig;

/**
 * The deployment's rule settings with some values replaced, addressed by the same keys as the
 * configuration ({@code e2guard.rules.estradiol.suppressed-below}, prefix optional), so that a
 * what-if column reads exactly like the setting it would become. Works on {@link RulesConfig}
 * itself (a view whose getters answer the override first), so {@link RulesConfig#toParameters()}
 * stays the one place that turns settings into engine parameters.
 */
public final class RuleOverrides {
    static final String PREFIX = "e2guard.rules.";

    private RuleOverrides() {
    }

    /** Every key a what-if setting may name, e.g. {@code monitoring.dxa-overdue-months}. */
    public static Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        for (Method group : RulesConfig.class.getDeclaredMethods()) {
            if (group.isDefault() || group.getParameterCount() > 0 || !group.getReturnType().isInterface()) {
                continue;
            }
            for (Method m : group.getReturnType().getDeclaredMethods()) {
                if (m.getParameterCount() == 0 && !m.isDefault()) {
                    keys.add(kebab(group.getName()) + "." + kebab(m.getName()));
                }
            }
        }
        return keys;
    }

    /**
     * The engine parameters of {@code base} with {@code overrides} applied.
     *
     * @throws IllegalArgumentException naming the key for an unknown key or a value of the wrong type
     */
    public static RuleParameters apply(RulesConfig base, Map<String, String> overrides) {
        Set<String> known = keys();
        Map<String, Object> values = new java.util.HashMap<>();
        overrides.forEach((rawKey, raw) -> {
            String key = rawKey.trim().startsWith(PREFIX) ? rawKey.trim().substring(PREFIX.length()) : rawKey.trim();
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown rule setting '" + rawKey + "'; known: " + String.join(", ", known));
            }
            values.put(key, convert(key, raw));
        });
        return view(base, values).toParameters();
    }

    private static Object convert(String key, String raw) {
        Class<?> type = method(key).getReturnType();
        try {
            if (type == int.class) {
                return Integer.valueOf(raw.trim());
            }
            if (type == double.class) {
                double d = Double.parseDouble(raw.trim());
                if (!Double.isFinite(d)) {
                    throw new NumberFormatException();
                }
                return d;
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("rule setting '" + key + "' needs " + (type == int.class ? "a whole number" : "a number")
                    + ", not '" + raw + "'");
        }
        throw new IllegalArgumentException("rule setting '" + key + "' cannot be changed in a what-if");
    }

    private static Method method(String key) {
        String[] parts = key.split("\\.", 2);
        try {
            Method group = RulesConfig.class.getMethod(camel(parts[0]));
            return group.getReturnType().getMethod(camel(parts[1]));
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("unknown rule setting '" + key + "'");
        }
    }

    private static RulesConfig view(RulesConfig base, Map<String, Object> values) {
        InvocationHandler top = (proxy, m, args) -> {
            if (m.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, m, args);
            }
            Object delegate = m.invoke(base, args);
            if (!m.getReturnType().isInterface()) {
                return delegate;
            }
            String group = kebab(m.getName());
            return Proxy.newProxyInstance(RuleOverrides.class.getClassLoader(), new Class<?>[] {m.getReturnType()},
                    (p, getter, a) -> {
                        if (getter.isDefault()) {
                            return InvocationHandler.invokeDefault(p, getter, a);
                        }
                        Object v = values.get(group + "." + kebab(getter.getName()));
                        return v != null ? v : getter.invoke(delegate, a);
                    });
        };
        return (RulesConfig) Proxy.newProxyInstance(RuleOverrides.class.getClassLoader(), new Class<?>[] {RulesConfig.class}, top);
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static String camel(String kebab) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }
}
