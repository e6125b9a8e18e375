package org.e2guard.ops.k8s;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.e2guard.testing.GoldenCases;

/**
 * A golden case's Bundle grown to a real record's size with what makes real records large and no
 * rule reads: claims, explanations of benefit and encounters shaped as Synthea writes them.
 * Written straight to a file, so the test JVM never holds it.
 */
final class LargeRecord {
    static final String CASE = "c02-man-e2-very-low-on-1mg-daily";

    private LargeRecord() {
    }

    static GoldenCases.Case goldenCase() {
        return GoldenCases.named(CASE);
    }

    static void write(Path file, long bytes) throws IOException {
        String bundle = goldenCase().bundle().strip();
        int end = bundle.lastIndexOf(']');
        String patient = patientReference(bundle);
        long written = 0;
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            String head = bundle.substring(0, end);
            w.write(head);
            written += head.length();
            for (int i = 0; written < bytes; i++) {
                String entry = ",\n" + switch (i % 3) {
                    case 0 -> entry("Claim", i, """
                            "status":"active","use":"claim","created":"2024-01-01T10:00:00Z","patient":{"reference":"%s"},
                            "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"institutional"}]},
                            "priority":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/processpriority","code":"normal"}]},
                            "item":[{"sequence":1,"productOrService":{"coding":[{"system":"http://snomed.info/sct","code":"185345009","display":"Encounter for symptom"}],"text":"Encounter for symptom"},"net":{"value":136.8,"currency":"USD"}}],
                            "total":{"value":136.8,"currency":"USD"}""".formatted(patient));
                    case 1 -> entry("ExplanationOfBenefit", i, """
                            "status":"active","use":"claim","created":"2024-01-01T10:00:00Z","patient":{"reference":"%s"},
                            "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"institutional"}]},
                            "outcome":"complete","insurer":{"display":"Medicare"},"provider":{"display":"Clinic"},
                            "item":[{"sequence":1,"productOrService":{"coding":[{"system":"http://snomed.info/sct","code":"185345009"}]},
                              "adjudication":[{"category":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/adjudication","code":"https://bluebutton.cms.gov/resources/variables/line_bene_pmt_amt"}]},"amount":{"value":109.44,"currency":"USD"}}]}],
                            "total":[{"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"submitted"}]},"amount":{"value":136.8,"currency":"USD"}}],
                            "payment":{"amount":{"value":109.44,"currency":"USD"}}""".formatted(patient));
                    default -> entry("Encounter", i, """
                            "status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
                            "type":[{"coding":[{"system":"http://snomed.info/sct","code":"185345009","display":"Encounter for symptom"}],"text":"Encounter for symptom"}],
                            "subject":{"reference":"%s"},"period":{"start":"2024-01-01T10:00:00Z","end":"2024-01-01T10:15:00Z"}""".formatted(patient));
                };
                w.write(entry);
                written += entry.length();
            }
            w.write(bundle.substring(end));
        }
    }

    private static String entry(String type, int i, String body) {
        String id = "%08d-0000-4000-8000-%012d".formatted(i, i);
        return "{\"fullUrl\":\"urn:uuid:" + id + "\",\"resource\":{\"resourceType\":\"" + type + "\",\"id\":\"" + id + "\","
                + body + "},\"request\":{\"method\":\"POST\",\"url\":\"" + type + "\"}}";
    }

    /** The subject every resource of the case points at, so the padding belongs to the same patient. */
    private static String patientReference(String bundle) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"subject\"\\s*:\\s*\\{\\s*\"reference\"\\s*:\\s*\"([^\"]+)\"")
                .matcher(bundle);
        return m.find() ? m.group(1) : "Patient/p1";
    }
}
