package org.e2guard.operations;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.util.List;

import org.e2guard.testing.GoldenCases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;

/**
 * Every golden case (the repository's own, and those of {@code -De2guard.cases.dir}) through the
 * public endpoint, compared with its expected findings: exactly those, each exactly once, each
 * carrying the actions and texts its expected file asks of it (RULES.md 1.2).
 */
@QuarkusTest
class GoldenCasesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Any testosterone product by name, ATC or the RxNorm codes of TERMINOLOGY.md. */
    static final java.util.regex.Pattern TESTOSTERONE = java.util.regex.Pattern.compile(
            "(?i)testosterone|G03BA03|\"(835829|835840|2047882)\"");

    static List<GoldenCases.Case> cases() {
        return GoldenCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseMatchesExpectedFindings(GoldenCases.Case c) throws IOException {
        String response = given().urlEncodingEnabled(false)
                .header("Authorization", "Bearer test-key")
                .contentType("application/fhir+json")
                .body(c.bundle())
                .when().post("/fhir/$evaluate?asOf=" + c.asOf())
                .then().statusCode(200).contentType("application/fhir+json")
                .extract().asString();
        JsonNode answer = JSON.readTree(response);
        c.assertFindings(GoldenCases.findingsOf(answer));
        c.assertContent(GoldenCases.shownIn(answer));
        if (!TESTOSTERONE.matcher(c.bundle()).find()) {
            // RULES.md 1.2 §5: nobody in this case is on testosterone therapy, so no finding reviews the AI dose
            GoldenCases.shownIn(answer).forEach(s -> assertFalse(s.actions().contains("review-ai-dose"),
                    c + ": " + s.finding() + " recommends review-ai-dose without testosterone therapy"));
        }
    }
}
