package org.e2guard.ops.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.e2guard.testing.GoldenCases;
import org.junit.jupiter.api.Test;

/** The detector of {@link NoPatientDataInLogsTest} finds what it must and only that. */
class PatientDataTest {
    final PatientData data = PatientData.of(List.of(GoldenCases.named("c01-man-e2-suppressed-transaction").bundlePath()));

    @Test
    void findsEachKindOfDatum() {
        assertTrue(data.tokens().containsAll(List.of("MRN-p1", "1968-04-02", "p1", "p1-ai")), data.tokens().toString());
        assertHit("patient MRN-p1 evaluated", "mrn-p1");
        assertHit("born 1968-04-02 male", "1968-04-02");
        assertHit("subject Patient/p1 has findings", "p1");
        assertHit("resource id=p1-dxa1-bmd ignored", "p1-dxa1-bmd");
        assertHit("estradiol 14 pg/mL below threshold", "14 pg/ml");
        assertHit("estradiol 14pg/mL", "14pg/ml");
        assertHit("{\"mdc\":{\"patient\":\"urn:uuid:0dc3da77-706d-5208-b830-7d466bcd560a\"}}",
                "urn:uuid:0dc3da77-706d-5208-b830-7d466bcd560a");
    }

    @Test
    void leavesOrdinaryLogLinesAlone() {
        for (String line : List.of(
                "evaluated one patient via evaluate: 1 finding(s) [E2_SUPPRESSED/moderate], 0 notice(s)",
                "POST /fhir/{operation} -> 200 in 14 ms",
                "requestId=4b96ba4b-37c0-40fb-b0de-374bcd4d3f1f",
                "threshold 20 pg/mL (E2_SUPPRESSED)",
                "http1 sp1 p10 p1x")) {
            assertEquals(List.of(), data.findIn(line), line);
        }
    }

    void assertHit(String line, String datum) {
        assertTrue(data.findIn(line).stream().anyMatch(h -> h.datum().equals(datum)), line + " -> " + data.findIn(line));
    }
}
