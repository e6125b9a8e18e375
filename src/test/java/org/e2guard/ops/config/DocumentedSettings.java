package org.e2guard.ops.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The settings tables of docs/CONFIGURATION.md, read as data. */
public final class DocumentedSettings {
    public static final Path DOC = Path.of("docs/CONFIGURATION.md");

    /** A row of a settings table: `key` | `ENV` | default | meaning. */
    public record Row(String key, String env, String defaultValue, int line) {
    }

    private DocumentedSettings() {
    }

    /** The rows that document a configuration key, by key. */
    public static Map<String, Row> rows() {
        Map<String, Row> rows = new LinkedHashMap<>();
        List<String> lines = lines();
        for (int i = 0; i < lines.size(); i++) {
            String[] cells = cells(lines.get(i));
            // | `key` | `ENV` | default | meaning |  ->  "", key, env, default, meaning, ""
            if (cells.length >= 5 && cells[1].trim().matches("`[a-z%][^`]*`") && cells[2].trim().matches("`[A-Z0-9_]+`")) {
                String key = unquote(cells[1]);
                rows.put(key, new Row(key, unquote(cells[2]), unquote(cells[3]), i + 1));
            }
        }
        return rows;
    }

    /**
     * Every environment variable the document names as a setting: those of configuration keys,
     * and the container's own (the first column of a table whose cell is an upper-case name).
     */
    public static Set<String> environmentVariables() {
        Set<String> out = new TreeSet<>();
        rows().values().forEach(r -> out.add(r.env()));
        for (String line : lines()) {
            String[] cells = cells(line);
            if (cells.length >= 3 && cells[1].trim().matches("`[A-Z][A-Z0-9_]+`")) {
                out.add(unquote(cells[1]));
            }
        }
        return out;
    }

    /**
     * True when the document names the variable, directly or through a placeholder: the EHR keys
     * are documented once as {@code E2GUARD_EHR_NAME_...}, NAME standing for any EHR's name.
     */
    public static boolean documents(String env) {
        Set<String> names = environmentVariables();
        return names.contains(env) || names.stream().filter(n -> n.contains("_NAME_"))
                .anyMatch(n -> env.matches(n.replace("_NAME_", "_[A-Z0-9]+_")));
    }

    private static String[] cells(String line) {
        return line.split("(?<!\\\\)\\|", -1);
    }

    private static String unquote(String cell) {
        return cell.trim().replace("\\|", "|").replaceAll("^`(.*)`$", "$1");
    }

    private static List<String> lines() {
        try {
            return Files.readAllLines(DOC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
