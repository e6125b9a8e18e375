package org.e2guard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** A deployment with E1 (E2_SUPPRESSED) silent and M3 (VITD_CA_OVERDUE) off; every other rule active. */
public class SilentRulesProfile implements QuarkusTestProfile {
    public static final String SILENT = "E2_SUPPRESSED";
    public static final String OFF = "VITD_CA_OVERDUE";

    @Override
    public Map<String, String> getConfigOverrides() {
        // a database of its own: the statistics this profile's tests count must not include what
        // other test classes of the same JVM evaluated on the shared temporary database that day
        try {
            Path db = Files.createTempDirectory("e2guard-silent-rules-db");
            return Map.of("e2guard.rules.e1.mode", "silent", "e2guard.rules.m3.mode", "off",
                    "quarkus.datasource.jdbc.url", "jdbc:e2guard-embedded:" + db);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
