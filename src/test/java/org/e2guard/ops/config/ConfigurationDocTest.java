package org.e2guard.ops.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * docs/CONFIGURATION.md cannot go stale silently: every e2guard key the code reads has a row
 * there with the right environment variable and default, every e2guard key documented exists,
 * and every documented environment variable (Quarkus ones too) is spelled as SmallRye maps it.
 */
class ConfigurationDocTest {
    static final Path CLASSES = Path.of("target/classes");

    @Test
    void everyE2guardKeyIsDocumentedWithItsEnvironmentVariableAndDefault() throws IOException {
        Map<String, ConfigKeys.Key> keys = ConfigKeys.e2guardKeys(CLASSES);
        assertTrue(keys.containsKey("e2guard.rules.estradiol.suppressed-below"), "mappings were read: " + keys.keySet());
        assertTrue(keys.containsKey("e2guard.terminology.extra-value-sets"), "@ConfigProperty was read");
        Map<String, DocumentedSettings.Row> rows = DocumentedSettings.rows();
        List<String> problems = new ArrayList<>();
        for (ConfigKeys.Key key : keys.values()) {
            DocumentedSettings.Row row = rows.get(key.name());
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
        List<String> stale = DocumentedSettings.rows().values().stream().filter(r -> r.key().startsWith("e2guard."))
                .filter(r -> !keys.containsKey(r.key())).map(r -> "line " + r.line() + ": " + r.key()).toList();
        assertEquals(List.of(), stale, "documented e2guard keys that the code does not read");
    }

    @Test
    void everyDocumentedEnvironmentVariableIsTheKeysOwn() throws IOException {
        Map<String, DocumentedSettings.Row> rows = DocumentedSettings.rows();
        assertTrue(rows.size() > 40, "rows found: " + rows.size());
        for (DocumentedSettings.Row row : rows.values()) {
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
