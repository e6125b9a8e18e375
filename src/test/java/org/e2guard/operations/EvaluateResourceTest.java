package org.e2guard.operations;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.e2guard.testing.GoldenCases;
import org.e2guard.fhir.FhirSupport;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

/** The $evaluate operation's HTTP contract: paths, formats, input shapes, errors. */
@QuarkusTest
class EvaluateResourceTest {
    static final FhirContext CTX = FhirSupport.newContext();
    static final String AS_OF = "2026-07-01T00:00:00Z";

    static RequestSpecification api() {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key");
    }

    static String caseBundle(String name) {
        return GoldenCases.named(name).bundle();
    }

    @Test
    void literalAndPercentEncodedPathsAreTheSameEndpoint() throws IOException {
        String body = caseBundle("c01-man-e2-suppressed-transaction");
        for (String path : new String[] {"/fhir/$evaluate", "/fhir/%24evaluate"}) {
            api().contentType("application/fhir+json").body(body).post(path + "?asOf=" + AS_OF)
                    .then().statusCode(200)
                    .body("entry.resource.code.coding.flatten().code", hasItem("E2_SUPPRESSED"));
        }
    }

    @Test
    void xmlInXmlOut() throws IOException {
        Bundle bundle = CTX.newJsonParser().parseResource(Bundle.class, caseBundle("c02-man-e2-very-low-on-1mg-daily"));
        String xml = CTX.newXmlParser().encodeResourceToString(bundle);
        String response = api().contentType("application/fhir+xml").accept("application/fhir+xml").body(xml)
                .post("/fhir/$evaluate?asOf=" + AS_OF)
                .then().statusCode(200).contentType(containsString("application/fhir+xml"))
                .extract().asString();
        Bundle out = CTX.newXmlParser().parseResource(Bundle.class, response);
        assertEquals(Set.of("E2_SUPPRESSED", "AI_DOSE_ABOVE_TYPICAL"), rules(out));
    }

    @Test
    void formatFollowsAcceptAndFormatParameter() throws IOException {
        String body = caseBundle("c01-man-e2-suppressed-transaction");
        api().contentType("application/json").accept("application/fhir+xml").body(body).post("/fhir/$evaluate?asOf=" + AS_OF)
                .then().statusCode(200).contentType(containsString("application/fhir+xml"));
        api().contentType("application/json").body(body).post("/fhir/$evaluate?_format=xml&asOf=" + AS_OF)
                .then().statusCode(200).contentType(containsString("application/fhir+xml"));
        api().contentType("application/json").accept("*/*").body(body).post("/fhir/$evaluate?asOf=" + AS_OF)
                .then().statusCode(200).contentType(containsString("application/fhir+json"));
    }

    @Test
    void parametersWithBundleAndAsOf() throws IOException {
        Parameters p = new Parameters();
        p.addParameter().setName("bundle").setResource(CTX.newJsonParser().parseResource(Bundle.class, caseBundle("c03-man-e2-suppressed-twice-111-days-apart")));
        p.addParameter().setName("asOf").setValue(new org.hl7.fhir.r4.model.DateTimeType(AS_OF));
        api().contentType("application/fhir+json").body(CTX.newJsonParser().encodeResourceToString(p)).post("/fhir/$evaluate")
                .then().statusCode(200)
                .body("entry.resource.code.coding.flatten().code", hasItem("E2_PERSISTENTLY_SUPPRESSED"));
    }

    @Test
    void searchsetOfSeveralPatients() throws IOException {
        Bundle a = CTX.newJsonParser().parseResource(Bundle.class, caseBundle("c01-man-e2-suppressed-transaction"));
        Bundle b = CTX.newJsonParser().parseResource(Bundle.class, caseBundle("c05-woman-on-anastrozole-osteoporosis"));
        Bundle searchset = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        a.getEntry().forEach(e -> searchset.addEntry().setFullUrl(e.getFullUrl()).setResource(e.getResource())
                .getSearch().setMode(Bundle.SearchEntryMode.MATCH));
        // the second case's patient and resources are renamed so the two records stay apart
        String renamed = CTX.newJsonParser().encodeResourceToString(b).replace("p1", "p2");
        CTX.newJsonParser().parseResource(Bundle.class, renamed).getEntry()
                .forEach(e -> searchset.addEntry().setFullUrl(e.getFullUrl()).setResource(e.getResource()));
        JsonNode out = GoldenCasesTest.JSON.readTree(api().contentType("application/fhir+json")
                .body(CTX.newJsonParser().encodeResourceToString(searchset)).post("/fhir/$evaluate?asOf=" + AS_OF)
                .then().statusCode(200).extract().asString());
        assertEquals(List.of(new GoldenCases.Finding("Patient/p1", "E2_SUPPRESSED", "moderate"),
                        new GoldenCases.Finding("Patient/p2", "BMD_OSTEOPOROSIS", "high")),
                GoldenCases.findingsOf(out));
    }

    @Test
    void outputCarriesFlagDeviceProvenanceAndOutcome() throws IOException {
        api().contentType("application/fhir+json").body(caseBundle("c11-e2-entered-in-error-ignored")).post("/fhir/$evaluate?asOf=" + AS_OF)
                .then().statusCode(200)
                .body("entry.resource.resourceType", hasItem("Device"))
                .body("entry.resource.resourceType", hasItem("OperationOutcome"))
                .body("entry.resource.resourceType", not(hasItem("Flag")))
                .body("entry.find { it.resource.resourceType == 'OperationOutcome' }.resource.issue.details.text",
                        hasItem(containsString("Observation/p1-e2x: Ignored: status 'entered-in-error'")));
        api().contentType("application/fhir+json").body(caseBundle("c01-man-e2-suppressed-transaction")).post("/fhir/$evaluate?asOf=" + AS_OF)
                .then().statusCode(200)
                .body("entry.find { it.resource.resourceType == 'Flag' }.resource.status", equalTo("active"))
                .body("entry.find { it.resource.resourceType == 'Provenance' }.resource.agent[0].who.reference", equalTo("Device/e2guard"))
                .body("entry.find { it.resource.resourceType == 'DetectedIssue' }.resource.identifier[0].value",
                        equalTo(org.e2guard.mapping.output.FindingResources.issueKey("Patient/p1",
                                org.e2guard.engine.Rule.E1)))
                .body("entry.find { it.resource.resourceType == 'DetectedIssue' }.resource.detail",
                        containsString("14 pg/mL"));
    }

    @Test
    void malformedJsonIs400WithAnOperationOutcome() {
        api().contentType("application/fhir+json").body("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[")
                .post("/fhir/$evaluate")
                .then().statusCode(400).contentType(containsString("application/fhir+json"))
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].severity", equalTo("error"))
                .body("issue[0].code", equalTo("invalid"));
    }

    @Test
    void aBodyThatIsNotUtf8Is400WithAnOperationOutcome() throws IOException {
        String json = caseBundle("c01-man-e2-suppressed-transaction");
        // Latin-1 where UTF-8 is required: a lone 0xE9 in a free-text drug name, which a lenient
        // decoder turns into U+FFFD and evaluates
        byte[] latin1 = json.replace("Testosterone cypionate", "Testost\u00e9rone cypionate")
                .getBytes(StandardCharsets.ISO_8859_1);
        api().contentType("application/fhir+json").body(json.getBytes(StandardCharsets.UTF_8))
                .post("/fhir/$evaluate?asOf=" + AS_OF).then().statusCode(200);
        for (String path : new String[] {"/fhir/$evaluate", "/fhir/$validate"}) {
            api().contentType("application/fhir+json").body(latin1).post(path + "?asOf=" + AS_OF)
                    .then().statusCode(400).contentType(containsString("application/fhir+json"))
                    .body("resourceType", equalTo("OperationOutcome"))
                    .body("issue[0].code", equalTo("invalid"))
                    .body("issue[0].diagnostics", containsString("not valid UTF-8"));
        }
        // XML too, with a malformed sequence (a lead byte followed by a space) inside a comment
        String xml = CTX.newXmlParser().encodeResourceToString(CTX.newJsonParser().parseResource(Bundle.class, json));
        byte[] xmlBytes = xml.replaceFirst("<entry>", "<!-- \u0000 --><entry>").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < xmlBytes.length; i++) {
            if (xmlBytes[i] == 0) {
                xmlBytes[i] = (byte) 0xC3;
            }
        }
        api().contentType("application/fhir+xml").accept("application/fhir+json").body(xmlBytes)
                .post("/fhir/$evaluate?asOf=" + AS_OF)
                .then().statusCode(400).body("issue[0].diagnostics", containsString("not valid UTF-8"));
    }

    @Test
    void detailTextShowsEachValueOnce() throws IOException {
        // 14.0 pg/mL is 14 pg/mL: once, with the other unit, not "14.0 pg/mL (14 pg/mL)"
        String e1 = detail(caseBundle("c01-man-e2-suppressed-transaction"), "E2_SUPPRESSED");
        assertTrue(e1.contains(": 14 pg/mL (51 pmol/L), "), e1);
        assertTrue(e1.startsWith("Estradiol 14 pg/mL (51 pmol/L), 2026-05-01, on anastrozole: "), e1);
        assertFalse(e1.contains("14.0 pg/mL"), e1);
        // a T-score has the UCUM unity unit "1": "-2.6", not "-2.6 1 (-2.6)"
        String b1 = detail(caseBundle("c05-woman-on-anastrozole-osteoporosis"), "BMD_OSTEOPOROSIS");
        assertTrue(b1.contains(": -2.6, "), b1);
        assertFalse(b1.contains("-2.6 1"), b1);
        // units that differ are both shown; a D3-only result coded 14635-7 is not called LOINC 1989-3
        String vitD = caseBundle("c08-vitd-low-and-calcium-overdue").replace("\"62292-8\"", "\"14635-7\"")
                .replaceFirst("\"value\": 18,(\\s*)\"unit\": \"ng/mL\",(\\s*\"system\": \"http://unitsofmeasure.org\",\\s*)\"code\": \"ng/mL\"",
                        "\"value\": 45.0,$1\"unit\": \"nmol/L\",$2\"code\": \"nmol/L\"");
        assertTrue(vitD.contains("\"nmol/L\""), "the test changed the unit");
        String m4 = detail(vitD, "VITD_LOW");
        assertTrue(m4.contains(": 45 nmol/L (18.0 ng/mL), "), m4);
        assertTrue(m4.contains("25-OH vitamin D3 only"), m4);
        assertFalse(m4.contains("1989-3"), m4);
    }

    static String detail(String bundle, String rule) throws IOException {
        Bundle out = CTX.newJsonParser().parseResource(Bundle.class, api().contentType("application/fhir+json").body(bundle)
                .post("/fhir/$evaluate?asOf=" + AS_OF).then().statusCode(200).extract().asString());
        return out.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r instanceof org.hl7.fhir.r4.model.DetectedIssue).map(r -> (org.hl7.fhir.r4.model.DetectedIssue) r)
                .filter(d -> d.getCode().getCoding().stream().anyMatch(c -> rule.equals(c.getCode())))
                .map(org.hl7.fhir.r4.model.DetectedIssue::getDetail).findFirst()
                .orElseThrow(() -> new AssertionError("no " + rule + " in " + rules(out)));
    }

    @Test
    void invalidValueSaysWhere() {
        api().contentType("application/fhir+json").body("""
                {"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","status":"final",
                 "code":{"text":"x"},"effectiveDateTime":"2026-13-45"}}]}""")
                .post("/fhir/$evaluate")
                .then().statusCode(400).body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString("effectiveDateTime"));
    }

    @Test
    void wrongResourceAndBundleTypesAre400() {
        api().contentType("application/fhir+json").body("{\"resourceType\":\"Patient\",\"id\":\"x\"}").post("/fhir/$evaluate")
                .then().statusCode(400).body("issue[0].diagnostics", containsString("Expected a Bundle"));
        api().contentType("application/fhir+json").body("{\"resourceType\":\"Bundle\",\"type\":\"history\"}").post("/fhir/$evaluate")
                .then().statusCode(400).body("issue[0].expression[0]", equalTo("Bundle.type"));
        api().contentType("application/fhir+json").body("{\"resourceType\":\"Bundle\",\"type\":\"collection\"}")
                .post("/fhir/$evaluate?asOf=yesterday")
                .then().statusCode(400).body("issue[0].expression[0]", equalTo("asOf"));
    }

    @Test
    void otherMediaTypesAre415And406() {
        api().contentType("text/plain").body("hello").post("/fhir/$evaluate")
                .then().statusCode(415).body("resourceType", equalTo("OperationOutcome"));
        api().contentType("application/fhir+json").accept("text/html").body("{\"resourceType\":\"Bundle\",\"type\":\"collection\"}")
                .post("/fhir/$evaluate")
                .then().statusCode(406);
    }

    @Test
    void bodiesAboveTheLimitAre413() {
        StringBuilder big = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[");
        String entry = "{\"resource\":{\"resourceType\":\"Basic\",\"code\":{\"text\":\"" + "x".repeat(1000) + "\"}}},";
        while (big.length() < 21 * 1024 * 1024) {
            big.append(entry);
        }
        big.append("{\"resource\":{\"resourceType\":\"Basic\",\"code\":{\"text\":\"y\"}}}]}");
        api().contentType("application/fhir+json").body(big.toString()).post("/fhir/$evaluate")
                .then().statusCode(413).body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void patientDataNeedsAnApiKey() throws IOException {
        given().urlEncodingEnabled(false).contentType("application/fhir+json").body(caseBundle("c01-man-e2-suppressed-transaction"))
                .post("/fhir/$evaluate").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("resourceType", equalTo("OperationOutcome"));
        given().urlEncodingEnabled(false).header("Authorization", "Bearer wrong").contentType("application/fhir+json")
                .body(caseBundle("c01-man-e2-suppressed-transaction")).post("/fhir/%24evaluate").then().statusCode(401);
    }

    @Test
    void metadataIsOpenAndNamesTheOperation() {
        given().get("/fhir/metadata").then().statusCode(200)
                .body("resourceType", equalTo("CapabilityStatement"))
                .body("rest[0].operation.name", hasItem("evaluate"));
    }

    @Test
    void healthEndpoints() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    static Set<String> rules(Bundle out) {
        Set<String> rules = new java.util.TreeSet<>();
        out.getEntry().stream().filter(e -> e.getResource() instanceof org.hl7.fhir.r4.model.DetectedIssue)
                .forEach(e -> ((org.hl7.fhir.r4.model.DetectedIssue) e.getResource()).getCode().getCoding().stream()
                        .filter(c -> c.getSystem().endsWith("/CodeSystem/rule")).forEach(c -> rules.add(c.getCode())));
        return rules;
    }
}
