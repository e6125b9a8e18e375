package org.e2guard.evaluation.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The review's extra golden-style cases (src/test/resources/cases, one spec point each, expected
 * findings derived by hand from RULES.md; see the README there) through the public endpoint,
 * exactly as {@link GoldenCasesTest} runs the shared ones.
 */
@QuarkusTest
class ExtraCasesTest {

    static Path casesDir() {
        return Path.of("src/test/resources/cases");
    }

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(casesDir())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".bundle.json"))
                    .map(n -> n.substring(0, n.length() - ".bundle.json".length()))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseMatchesExpectedFindings(String name) throws IOException {
        JsonNode expected = GoldenCasesTest.JSON.readTree(casesDir().resolve(name + ".expected.json").toFile());
        String bundle = Files.readString(casesDir().resolve(name + ".bundle.json"));

        String response = given().urlEncodingEnabled(false)
                .header("Authorization", "Bearer test-key")
                .contentType("application/fhir+json")
                .body(bundle)
                .when().post("/fhir/$evaluate?asOf=" + expected.get("asOf").asText())
                .then().statusCode(200).contentType("application/fhir+json")
                .extract().asString();

        assertEquals(GoldenCasesTest.expectedFindings(expected),
                GoldenCasesTest.actualFindings(GoldenCasesTest.JSON.readTree(response)), name);
    }

    /** Guards against the folder silently going missing (a parameterised test over nothing passes). */
    @org.junit.jupiter.api.Test
    void casesArePresent() throws IOException {
        assertTrue(cases().count() >= 30, "extra cases found in " + casesDir().toAbsolutePath());
    }
}
