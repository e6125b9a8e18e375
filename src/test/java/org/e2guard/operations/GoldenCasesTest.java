package org.e2guard.operations;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;

/**
 * Every golden case of shared/clinical/cases through the public endpoint, compared with its
 * expected findings: per patient the set of {rule, severity} must match exactly.
 */
@QuarkusTest
class GoldenCasesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Path casesDir() {
        return Path.of(System.getProperty("e2guard.cases.dir", "../shared/clinical/cases"));
    }

    static Stream<String> cases() throws IOException {
        return casesIn(casesDir());
    }

    /** The case names (NAME of NAME.bundle.json) in a folder, sorted. */
    static Stream<String> casesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".bundle.json"))
                    .map(n -> n.substring(0, n.length() - ".bundle.json".length()))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseMatchesExpectedFindings(String name) throws IOException {
        assertCase(casesDir(), name);
    }

    /** Posts a case through POST /fhir/$evaluate and compares every patient's findings with the expected ones. */
    static void assertCase(Path dir, String name) throws IOException {
        JsonNode expected = JSON.readTree(dir.resolve(name + ".expected.json").toFile());
        String bundle = Files.readString(dir.resolve(name + ".bundle.json"));

        String response = given().urlEncodingEnabled(false)
                .header("Authorization", "Bearer test-key")
                .contentType("application/fhir+json")
                .body(bundle)
                .when().post("/fhir/$evaluate?asOf=" + expected.get("asOf").asText())
                .then().statusCode(200).contentType("application/fhir+json")
                .extract().asString();

        assertEquals(expectedFindings(expected), actualFindings(JSON.readTree(response)), name);
    }

    static Set<String> expectedFindings(JsonNode expected) {
        Set<String> out = new TreeSet<>();
        expected.get("findings").forEach(f -> out.add(
                f.get("patient").asText() + " " + f.get("rule").asText() + " " + f.get("severity").asText()));
        return out;
    }

    /** {patient, rule, severity} of every DetectedIssue, the rule read from e2guard's rule coding. */
    static Set<String> actualFindings(JsonNode bundle) {
        assertEquals("collection", bundle.get("type").asText());
        Set<String> out = new TreeSet<>();
        for (JsonNode entry : bundle.get("entry")) {
            JsonNode r = entry.get("resource");
            if (!"DetectedIssue".equals(r.get("resourceType").asText())) {
                continue;
            }
            String rule = null;
            for (JsonNode c : r.get("code").get("coding")) {
                if ("https://e2guard.org/fhir/CodeSystem/rule".equals(c.get("system").asText())) {
                    rule = c.get("code").asText();
                }
            }
            assertFalse(rule == null, "DetectedIssue without an e2guard rule coding");
            out.add(r.get("patient").get("reference").asText() + " " + rule + " " + r.get("severity").asText());
        }
        return out;
    }

}
