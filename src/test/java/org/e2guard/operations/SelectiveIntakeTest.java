package org.e2guard.operations;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.fhir.FhirSupport;
import org.e2guard.testing.GoldenCases;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * {@code $evaluate} reads a Bundle selectively (SelectiveBundleReader): entries of types the rules
 * do not read are skipped without being built. The answer must be the one a full parse gives; a
 * Parameters body is still parsed whole, which makes it the reference here.
 */
@QuarkusTest
class SelectiveIntakeTest {
    static final FhirContext CTX = FhirSupport.newContext();
    static final String AS_OF = "2026-07-01T00:00:00Z";

    static RequestSpecification api(String type) {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key").contentType(type);
    }

    /** A patient on an aromatase inhibitor, her record padded with claims and encounters as a real one is. */
    static String record(int claims) {
        StringBuilder json = new StringBuilder("""
                {"resourceType":"Bundle","type":"transaction","entry":[
                {"fullUrl":"urn:uuid:7d2c1c8e-0d5e-4b8a-9a53-1f3f5c2b9a01","resource":{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1958-04-02"},
                 "request":{"method":"POST","url":"Patient"}},
                {"resource":{"resourceType":"Encounter","id":"enc1","status":"finished","class":{"code":"AMB"},
                  "subject":{"reference":"urn:uuid:7d2c1c8e-0d5e-4b8a-9a53-1f3f5c2b9a01"}}},
                {"resource":{"resourceType":"MedicationStatement","id":"ai","status":"active",
                  "subject":{"reference":"urn:uuid:7d2c1c8e-0d5e-4b8a-9a53-1f3f5c2b9a01"},
                  "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"84857"}]},
                  "effectivePeriod":{"start":"2020-03-01"}}},
                {"resource":{"resourceType":"Observation","status":"final","subject":{"reference":"Group/g1"},
                  "code":{"coding":[{"system":"http://loinc.org","code":"35384-7"}]},"effectiveDateTime":"2026-05-01"}}""");
        for (int i = 0; i < claims; i++) {
            json.append(",\n{\"fullUrl\":\"urn:uuid:claim-").append(i).append("\",\"resource\":").append(claim(i))
                    .append(",\"request\":{\"method\":\"POST\",\"url\":\"Claim\"}}");
        }
        json.append(",\n{\"resource\":{\"resourceType\":\"Encounter\",\"id\":\"enc2\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"}}}");
        return json.append("]}").toString();
    }

    static String claim(int i) {
        return """
                {"resourceType":"Claim","id":"c%d","status":"active","use":"claim","created":"2024-01-01",
                 "patient":{"reference":"urn:uuid:7d2c1c8e-0d5e-4b8a-9a53-1f3f5c2b9a01"},
                 "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"institutional"}]},
                 "item":[{"sequence":1,"productOrService":{"coding":[{"system":"http://snomed.info/sct","code":"185345009","display":"Encounter for symptom"}],"text":"Encounter for symptom"},
                  "net":{"value":%d.25,"currency":"USD"}}],"total":{"value":%d.25,"currency":"USD"}}"""
                .formatted(i, 100 + i, 100 + i);
    }

    static Parameters wrapped(String bundleJson) {
        Parameters p = new Parameters();
        p.addParameter().setName("bundle").setResource(CTX.newJsonParser().parseResource(Bundle.class, bundleJson));
        return p;
    }

    /** What the answer says, less what is new in every answer (ids, timestamps). */
    static List<String> said(String answerJson) {
        JsonPath j = JsonPath.from(answerJson);
        List<String> out = new ArrayList<>();
        out.addAll(j.getList("entry.resource.findAll { it.resourceType == 'OperationOutcome' }.issue.flatten().details.text"));
        out.addAll(j.getList("entry.resource.findAll { it.resourceType == 'DetectedIssue' }.code.coding.flatten().code"));
        return out;
    }

    String evaluate(String type, String body) {
        return api(type).body(body).post("/fhir/$evaluate?asOf=" + AS_OF).then().statusCode(200).extract().asString();
    }

    @Test
    void skippedTypesAreListedAsTheFullParseListsThem() {
        String bundle = record(3);
        String selective = evaluate("application/fhir+json", bundle);
        String whole = evaluate("application/fhir+json", CTX.newJsonParser().encodeResourceToString(wrapped(bundle)));
        List<String> said = said(selective);
        assertTrue(said.contains("3 Claim resource(s) ignored: e2guard does not read this type."), said.toString());
        assertTrue(said.contains("2 Encounter resource(s) ignored: e2guard does not read this type."), said.toString());
        // the Observation without an id is named by its place among all entries, skipped ones included
        assertTrue(said.contains("Observation/#4: Ignored: the subject is not a Patient that can be identified in the input."),
                said.toString());
        assertEquals(said(whole), said);
    }

    @Test
    void everyGoldenCaseReadsTheSameSelectivelyAsWholeInJsonAndXml() {
        for (GoldenCases.Case c : GoldenCases.builtIn()) {
            String bundle = c.bundle();
            Bundle parsed = CTX.newJsonParser().parseResource(Bundle.class, bundle);
            String url = "/fhir/$evaluate?asOf=" + c.asOf();
            String whole = api("application/fhir+json").body(CTX.newJsonParser().encodeResourceToString(wrapped(bundle)))
                    .post(url).then().statusCode(200).extract().asString();
            String json = api("application/fhir+json").body(bundle).post(url).then().statusCode(200).extract().asString();
            String xml = api("application/fhir+xml").accept("application/fhir+json")
                    .body(CTX.newXmlParser().encodeResourceToString(parsed)).post(url)
                    .then().statusCode(200).extract().asString();
            assertEquals(said(whole), said(json), c.name() + " (JSON)");
            assertEquals(said(whole), said(xml), c.name() + " (XML)");
        }
    }

    @Test
    void xmlSkipsWhatTheRulesDoNotRead() {
        Bundle parsed = CTX.newJsonParser().parseResource(Bundle.class, record(2));
        String xml = CTX.newXmlParser().encodeResourceToString(parsed);
        List<String> said = said(api("application/fhir+xml").accept("application/fhir+json").body(xml)
                .post("/fhir/$evaluate?asOf=" + AS_OF).then().statusCode(200).extract().asString());
        assertTrue(said.contains("2 Claim resource(s) ignored: e2guard does not read this type."), said.toString());
        assertEquals(said(evaluate("application/fhir+json", record(2))), said);
    }

    @Test
    void invalidJsonInsideASkippedEntryIsStillA400() {
        String broken = record(3).replace("\"total\":{\"value\":101.25,", "\"total\":{\"value\":101.25,,");
        api("application/fhir+json").body(broken).post("/fhir/$evaluate").then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString("not valid FHIR JSON"));
        String truncated = record(3);
        api("application/fhir+json").body(truncated.substring(0, truncated.length() - 40)).post("/fhir/$evaluate")
                .then().statusCode(400).body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void invalidUtf8InsideASkippedEntryIsStillA400() {
        byte[] bytes = record(3).replace("Encounter for symptom\"}", "Encounter for symptom\u00e9\"}")
                .getBytes(StandardCharsets.ISO_8859_1);
        api("application/fhir+json").body(bytes).post("/fhir/$evaluate").then().statusCode(400)
                .body("issue[0].diagnostics", containsString("not valid UTF-8"));
    }

    @Test
    void malformedXmlInsideASkippedEntryIsStillA400() {
        String xml = CTX.newXmlParser().encodeResourceToString(CTX.newJsonParser().parseResource(Bundle.class, record(2)));
        String broken = xml.replaceFirst("<Claim xmlns=\"http://hl7.org/fhir\">", "<Claim xmlns=\"http://hl7.org/fhir\"><status>");
        assertTrue(!broken.equals(xml), "the Claim element was found");
        api("application/fhir+xml").accept("application/fhir+json").body(broken).post("/fhir/$evaluate").then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString("not valid FHIR XML"));
    }

    @Test
    void anUnknownResourceTypeIsRefusedEvenWhereNothingIsRead() {
        String bundle = record(1).replace("\"resourceType\":\"Claim\"", "\"resourceType\":\"Clam\"");
        api("application/fhir+json").body(bundle).post("/fhir/$evaluate").then().statusCode(400)
                .body("issue[0].diagnostics", containsString("unknown resourceType 'Clam'"));
    }

    @Test
    void invalidFhirWhereTheRulesReadIsStillA400() {
        String bundle = record(1).replace("\"effectivePeriod\":{\"start\":\"2020-03-01\"}", "\"effectivePeriod\":{\"start\":\"soon\"}");
        api("application/fhir+json").body(bundle).post("/fhir/$evaluate").then().statusCode(400)
                .body("issue[0].diagnostics", containsString("Invalid FHIR content"));
        String type = record(1).replace("\"type\":\"transaction\"", "\"type\":\"history\"");
        api("application/fhir+json").body(type).post("/fhir/$evaluate").then().statusCode(400)
                .body("issue[0].expression[0]", equalTo("Bundle.type"));
    }

    @Test
    void aLargeRecordUnderTheLimitIsReadAndOneAboveItIs413() {
        // the test profile's limit is 20 MB (e2guard.evaluate.max-body-size); the default is 256 MB
        String large = record(26_000);
        assertTrue(large.length() > 16_000_000 && large.length() < 20 * 1024 * 1024, "size " + large.length());
        List<String> said = said(evaluate("application/fhir+json", large));
        assertTrue(said.contains("26000 Claim resource(s) ignored: e2guard does not read this type."), said.toString());

        String tooLarge = record(36_000);
        assertTrue(tooLarge.length() > 20 * 1024 * 1024, "size " + tooLarge.length());
        String limit = "limit of 20971520 bytes (e2guard.evaluate.max-body-size)";
        api("application/fhir+json").body(tooLarge).post("/fhir/$evaluate").then().statusCode(413)
                .body("issue[0].diagnostics", containsString(limit));
        // chunked, without a Content-Length: found while streaming through the entries
        api("application/fhir+json").body(new ByteArrayInputStream(tooLarge.getBytes(StandardCharsets.UTF_8)))
                .post("/fhir/$evaluate").then().statusCode(413).body("issue[0].diagnostics", containsString(limit));
        String small = CTX.newXmlParser().encodeResourceToString(CTX.newJsonParser().parseResource(Bundle.class, record(1)));
        java.util.regex.Matcher claim = java.util.regex.Pattern.compile("<entry><fullUrl value=\"urn:uuid:claim-0\"/>.*?</entry>")
                .matcher(small);
        assertTrue(claim.find(), "the Claim entry");
        String xml = small.replace("</Bundle>", claim.group().repeat(tooLarge.length() / claim.group().length()) + "</Bundle>");
        api("application/fhir+xml").accept("application/fhir+json").body(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)))
                .post("/fhir/$evaluate").then().statusCode(413).body("issue[0].diagnostics", containsString(limit));
    }

    @Test
    void aBundleWhoseResourceTypeIsNotFirstIsParsedWhole() {
        String bundle = record(2).replaceFirst("\\{\"resourceType\":\"Bundle\",\"type\":\"transaction\",",
                "{\"type\":\"transaction\",\"resourceType\":\"Bundle\",");
        api("application/fhir+json").body(bundle).post("/fhir/$evaluate?asOf=" + AS_OF).then().statusCode(200)
                .body("entry.resource.issue.flatten().diagnostics",
                        hasItem("2 Claim resource(s) ignored: e2guard does not read this type."));
    }
}
