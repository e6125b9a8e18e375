package org.e2guard.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Every committed StructureDefinition snapshot is exactly what its differential generates.
 * With {@code -De2guard.snapshots.write=true} it rewrites the files instead (see {@link Snapshots}).
 * A Quarkus test like the others, so that HAPI's classes load once, in Quarkus' class loader.
 */
@QuarkusTest
class SnapshotsTest {
    @Inject
    FhirContext ctx;

    @Test
    void committedSnapshotsAreCurrent() throws IOException {
        Map<String, String> expected = Snapshots.regenerate(ctx, Snapshots.DIRECTORY);
        assertFalse(expected.isEmpty(), "no StructureDefinitions found");
        boolean write = Boolean.getBoolean("e2guard.snapshots.write");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            var file = Snapshots.DIRECTORY.resolve(e.getKey());
            if (write) {
                Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
                continue;
            }
            assertEquals(e.getValue(), Files.readString(file, StandardCharsets.UTF_8),
                    e.getKey() + ": the committed snapshot is stale; regenerate with "
                            + "./mvnw -o test -Dtest=SnapshotsTest -De2guard.snapshots.write=true");
        }
    }
}
