package org.e2guard.operations;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.e2guard.testing.GoldenCases;
import org.e2guard.conformance.ValidationAssertions;
import org.e2guard.validation.FhirValidation;
import org.e2guard.validation.FhirValidationOutcome;
import org.e2guard.validation.InputReview;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * {@code POST /fhir/$validate} through HTTP: the FHIR validator's issues and e2guard's view of
 * the input in one OperationOutcome, with the status and formats of the FHIR convention.
 */
@QuarkusTest
class ValidateResourceTest {
    @Inject
    FhirContext ctx;
    @Inject
    FhirValidation validation;

    static String golden(String name) {
        return GoldenCases.named(name).bundle();
    }

    private OperationOutcome validate(String body, String contentType) {
        String response = given().urlEncodingEnabled(false)
                .header("Authorization", "Bearer test-key")
                .contentType(contentType)
                .body(body)
                .when().post("/fhir/$validate")
                .then().statusCode(200).contentType("application/fhir+json")
                .extract().asString();
        // the answer itself is valid FHIR
        ValidationAssertions.assertNoErrors(validation.validator().validate(response), "the $validate answer");
        return ctx.newJsonParser().parseResource(OperationOutcome.class, response);
    }

    private static OperationOutcome.OperationOutcomeIssueComponent issue(OperationOutcome oo, String source, String text) {
        return oo.getIssue().stream()
                .filter(i -> source.equals(i.getExtensionString(FhirValidationOutcome.EXT_ISSUE_SOURCE)))
                .filter(i -> i.getDetails().getText().contains(text))
                .findFirst().orElseThrow(() -> new AssertionError("no " + source + " issue containing '" + text + "' in "
                        + oo.getIssue().stream().map(i -> i.getDetails().getText()).toList()));
    }

    private static List<OperationOutcome.OperationOutcomeIssueComponent> errors(OperationOutcome oo) {
        return oo.getIssue().stream().filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR).toList();
    }

    @Test
    void aGoodBundleSaysWhatE2guardReads() throws IOException {
        OperationOutcome oo = validate(golden("c01-man-e2-suppressed-transaction"), "application/fhir+json");
        assertEquals(List.of(), errors(oo), "a golden case has no errors");

        var e2 = issue(oo, InputReview.SOURCE, "Observation/p1-e2: read as estradiol (sensitive assay) 14.0 pg/mL = 14 pg/mL");
        assertEquals(OperationOutcome.IssueSeverity.INFORMATION, e2.getSeverity());
        assertEquals("Bundle.entry[9].resource", e2.getExpression().get(0).getValue());
        issue(oo, InputReview.SOURCE, "MedicationStatement/p1-ai: read as anastrozole exposure");
        issue(oo, InputReview.SOURCE, "Observation/p1-dxa2-t: read as DXA T-score, lumbar spine");
        issue(oo, InputReview.SOURCE, "Patient/p1: read as the patient");
        issue(oo, InputReview.SOURCE, "$evaluate would evaluate 1 patient(s): 11 resource(s) read, 0 ignored");
        issue(oo, FhirValidationOutcome.SOURCE, "0 error(s)");
        // offline, LOINC codes draw one grouped warning listing every place, not one each
        var loinc = issue(oo, FhirValidationOutcome.SOURCE, "Codes of http://loinc.org cannot be checked offline");
        assertEquals(8, loinc.getExpression().size(), "the eight LOINC-coded Observations");
    }

    @Test
    void anIgnoredResourceSaysWhyAndWhere() throws IOException {
        OperationOutcome oo = validate(golden("c11-e2-entered-in-error-ignored"), "application/fhir+json");
        var ignored = issue(oo, InputReview.SOURCE, "Observation/p1-e2x: Ignored: status 'entered-in-error'");
        assertEquals(OperationOutcome.IssueSeverity.WARNING, ignored.getSeverity());
        assertEquals("Bundle.entry[10].resource.status", ignored.getExpression().get(0).getValue());
        issue(oo, InputReview.SOURCE, "1 ignored");
    }

    @Test
    void invalidFhirIsReportedByTheValidator() {
        String bundle = """
                {"resourceType":"Bundle","type":"collection","entry":[
                 {"fullUrl":"http://ehr.example.org/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","gender":"male"}},
                 {"fullUrl":"http://ehr.example.org/fhir/Observation/o1","resource":{"resourceType":"Observation","id":"o1",
                  "status":"final","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-05-01",
                  "valueQuantity":{"value":14,"unit":"pg/mL","system":"http://unitsofmeasure.org","code":"pg/mL"}}}]}
                """;
        OperationOutcome oo = validate(bundle, "application/fhir+json");
        var missingCode = issue(oo, FhirValidationOutcome.SOURCE, "Observation.code");
        assertEquals(OperationOutcome.IssueSeverity.ERROR, missingCode.getSeverity());
        assertTrue(missingCode.getExpression().get(0).getValue().startsWith("Bundle.entry[1].resource"),
                missingCode.getExpression().get(0).getValue());
        issue(oo, InputReview.SOURCE, "Observation/o1: not used by the rules");
    }

    @Test
    void aBundleTypeEvaluateRejectsIsAnError() {
        String bundle = """
                {"resourceType":"Bundle","type":"history","entry":[]}
                """;
        OperationOutcome oo = validate(bundle, "application/fhir+json");
        var rejected = issue(oo, InputReview.SOURCE, "$evaluate would reject this input");
        assertEquals(OperationOutcome.IssueSeverity.ERROR, rejected.getSeverity());
        assertEquals("Bundle.type", rejected.getExpression().get(0).getValue());
    }

    @Test
    void acceptsParametersWithAResourceAndPointsIntoThem() throws IOException {
        Parameters p = new Parameters();
        p.addParameter().setName("resource").setResource(ctx.newJsonParser().parseResource(Bundle.class,
                golden("c11-e2-entered-in-error-ignored")));
        OperationOutcome oo = validate(ctx.newJsonParser().encodeResourceToString(p), "application/fhir+json");
        var ignored = issue(oo, InputReview.SOURCE, "Observation/p1-e2x: Ignored");
        assertEquals("Parameters.parameter[0].resource.entry[10].resource.status", ignored.getExpression().get(0).getValue());
    }

    @Test
    void xmlInXmlOut() throws IOException {
        Bundle b = ctx.newJsonParser().parseResource(Bundle.class, golden("c01-man-e2-suppressed-transaction"));
        String xml = given().urlEncodingEnabled(false)
                .header("Authorization", "Bearer test-key")
                .contentType("application/fhir+xml")
                .body(ctx.newXmlParser().encodeResourceToString(b))
                .when().post("/fhir/%24validate")
                .then().statusCode(200).contentType("application/fhir+xml")
                .extract().asString();
        OperationOutcome oo = ctx.newXmlParser().parseResource(OperationOutcome.class, xml);
        issue(oo, InputReview.SOURCE, "Observation/p1-e2: read as estradiol");
        assertEquals(List.of(), errors(oo));
    }

    @Test
    void unreadableBodiesAreErrorsNotFailures() {
        OperationOutcome oo = validate("{\"resourceType\": \"Bundle\", \"type\": ", "application/fhir+json");
        assertFalse(errors(oo).isEmpty(), "a truncated body is reported as an error");
        issue(oo, InputReview.SOURCE, "e2guard cannot read this input");
    }

    @Test
    void needsAnApiKeyAndAFhirMediaType() {
        given().urlEncodingEnabled(false).contentType("application/fhir+json").body("{}")
                .when().post("/fhir/$validate").then().statusCode(401);
        String body = given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .contentType("text/plain").body("hello")
                .when().post("/fhir/$validate").then().statusCode(415).extract().asString();
        assertNotNull(ctx.newJsonParser().parseResource(OperationOutcome.class, body));
    }
}
