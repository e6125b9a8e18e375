package org.e2guard.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The helper fails where a golden-case test could otherwise pass over nothing, or over a duplicate. */
class GoldenCasesHelperTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theBuiltInFolderHoldsEveryCase() {
        List<GoldenCases.Case> cases = GoldenCases.builtIn();
        assertEquals(GoldenCases.MIN_BUILT_IN, cases.stream().filter(c -> c.name().matches("[cxrv]\\d\\d-.*")).count());
        assertEquals("c01-man-e2-suppressed-transaction", cases.get(0).name());
    }

    @Test
    void aMissingOrEmptyFolderFails() {
        assertThrows(AssertionError.class, () -> GoldenCases.in(dir.resolve("nowhere"), false));
        assertThrows(AssertionError.class, () -> GoldenCases.in(dir, false));
    }

    @Test
    void aBundleWithoutItsExpectedFileFails() throws IOException {
        Files.writeString(dir.resolve("a.bundle.json"), "{}");
        assertThrows(AssertionError.class, () -> GoldenCases.in(dir, false));
    }

    @Test
    void aDuplicatedFindingFails() throws IOException {
        Files.writeString(dir.resolve("a.bundle.json"), "{}");
        Files.writeString(dir.resolve("a.expected.json"), """
                {"asOf":"2026-07-01T00:00:00Z","findings":[{"patient":"Patient/p1","rule":"E2_SUPPRESSED","severity":"moderate"}]}""");
        GoldenCases.Case c = GoldenCases.in(dir, false).get(0);
        GoldenCases.Finding e1 = new GoldenCases.Finding("Patient/p1", "E2_SUPPRESSED", "moderate");
        c.assertFindings(List.of(e1));
        assertThrows(AssertionError.class, () -> c.assertFindings(List.of(e1, e1)));
        assertThrows(AssertionError.class, () -> c.assertFindings(List.of()));
    }

    @Test
    void findingsAreReadFromTheDetectedIssuesOfAnAnswer() throws IOException {
        String issue = """
                {"resource":{"resourceType":"DetectedIssue","severity":"high","patient":{"reference":"Patient/p1"},
                 "code":{"coding":[{"system":"https://e2guard.org/fhir/CodeSystem/rule","code":"BMD_OSTEOPOROSIS"}]}}}""";
        String answer = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[" + issue + ","
                + "{\"resource\":{\"resourceType\":\"Flag\"}}," + issue + "]}";
        GoldenCases.Finding b1 = new GoldenCases.Finding("Patient/p1", "BMD_OSTEOPOROSIS", "high");
        assertEquals(List.of(b1, b1), GoldenCases.findingsOf(JSON.readTree(answer)));
    }

    @Test
    void relativeFoldersAreTakenFromTheProjectDirectory() {
        assertEquals(Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("x/y").normalize(),
                GoldenCases.resolve("x/y"));
        assertEquals(dir, GoldenCases.resolve(dir.toString()));
    }
}
