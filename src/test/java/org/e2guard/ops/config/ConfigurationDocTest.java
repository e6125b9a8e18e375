package org.e2guard.ops.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * docs/CONFIGURATION.md cannot go stale silently: every e2guard key the code reads has a row
 * there with the right environment variable and default, every e2guard key documented exists,
 * and every documented environment variable (Quarkus ones too) is spelled as SmallRye maps it.
 */
class ConfigurationDocTest {
    static final Path DOC = Path.of("docs/CONFIGURATION.md");
    static final Path CLASSES = Path.of("target/classes");

    /** A row of a settings table: `key` | `ENV` | default | meaning. */
    record Row(String key, String env, String defaultValue, int line) {
    }

    static Map<String, Row> rows() throws IOException {
        Map<String, Row> rows = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(DOC);
        for (int i = 0; i < lines.size(); i++) {
            String[] cells = lines.get(i).split("(?<!\\\\)\\|", -1);
            // | `key` | `ENV` | default | meaning |  ->  "", key, env, default, meaning, ""
            if (cells.length >= 5 && cells[1].trim().matches("`[a-z%][^`]*`") && cells[2].trim().matches("`[A-Z0-9_]+`")) {
                String key = unquote(cells[1]);
                rows.put(key, new Row(key, unquote(cells[2]), unquote(cells[3]), i + 1));
            }
        }
        return rows;
    }

    static String unquote(String cell) {
        return cell.trim().replace("\\|", "|").replaceAll("^`(.*)`$", "$1");
    }

    @Test
    void everyE2guardKeyIsDocumentedWithItsEnvironmentVariableAndDefault() throws IOException {
        Map<String, ConfigKeys.Key> keys = ConfigKeys.e2guardKeys(CLASSES);
        assertTrue(keys.containsKey("e2guard.rules.estradiol.suppressed-below"), "mappings were read: " + keys.keySet());
        assertTrue(keys.containsKey("e2guard.terminology.extra-value-sets"), "@ConfigProperty was read");
        Map<String, Row> rows = rows();
        List<String> problems = new ArrayList<>();
        for (ConfigKeys.Key key : keys.values()) {
            Row row = rows.get(key.name());
            if (row == null) {
                problems.add("missing: " + key.name() + " (" + key.source() + "), env " + ConfigKeys.env(key.name())
                        + ", default " + key.defaultValue().orElse("none"));
                continue;
            }
            String expectedDefault = key.defaultValue().orElse("none");
            if (!row.defaultValue().equals(expectedDefault)) {
                problems.add("line " + row.line() + ": " + key.name() + " default is " + expectedDefault
                        + ", documented as " + row.defaultValue());
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("docs/CONFIGURATION.md is out of date:\n" + String.join("\n", problems));
        }
    }

    @Test
    void everyDocumentedE2guardKeyExists() throws IOException {
        Map<String, ConfigKeys.Key> keys = ConfigKeys.e2guardKeys(CLASSES);
        List<String> stale = rows().values().stream().filter(r -> r.key().startsWith("e2guard."))
                .filter(r -> !keys.containsKey(r.key())).map(r -> "line " + r.line() + ": " + r.key()).toList();
        assertEquals(List.of(), stale, "documented e2guard keys that the code does not read");
    }

    @Test
    void everyDocumentedEnvironmentVariableIsTheKeysOwn() throws IOException {
        Map<String, Row> rows = rows();
        assertTrue(rows.size() > 40, "rows found: " + rows.size());
        for (Row row : rows.values()) {
            assertEquals(ConfigKeys.env(row.key()), row.env(), "line " + row.line() + ": environment variable of " + row.key());
        }
    }

    @Test
    void environmentVariableNaming() {
        assertEquals("E2GUARD_RULES_BONE_T_SCORE_OSTEOPOROSIS_AT_OR_BELOW",
                ConfigKeys.env("e2guard.rules.bone.t-score-osteoporosis-at-or-below"));
        assertEquals("QUARKUS_LOG_CATEGORY__ORG_E2GUARD__LEVEL", ConfigKeys.env("quarkus.log.category.\"org.e2guard\".level"));
    }
}
