package org.e2guard.operations;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Inputs that are legal JSON and (mostly) legal FHIR but odd: nulls, missing elements, odd dates,
 * extreme numbers, dangling references, repeats. None may become a 500: each is evaluated (what
 * cannot be used is a notice in the OperationOutcome) or rejected with a 400 OperationOutcome.
 */
@QuarkusTest
class OddInputTest {
    static final String AS_OF = "2026-07-01T00:00:00Z";

    /** A male on TRT and anastrozole, plus the given resources. */
    static String bundle(String... resources) {
        StringBuilder json = new StringBuilder("""
                {"resourceType":"Bundle","type":"collection","entry":[
                {"fullUrl":"http://ehr/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","gender":"male","birthDate":"1968-04-02"}},
                {"resource":{"resourceType":"MedicationStatement","id":"trt","status":"active","subject":{"reference":"Patient/p1"},
                  "medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"G03BA03"}]},
                  "effectivePeriod":{"start":"2024-01-01"}}},
                {"resource":{"resourceType":"MedicationStatement","id":"ai","status":"active","subject":{"reference":"Patient/p1"},
                  "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"84857"}]},
                  "effectivePeriod":{"start":"2024-03-01"}}}""");
        for (String r : resources) {
            json.append(",{\"resource\":").append(r).append('}');
        }
        return json.append("]}").toString();
    }

    static String e2(String valueQuantity, String effective) {
        return """
                {"resourceType":"Observation","id":"e2","status":"final","subject":{"reference":"Patient/p1"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"35384-7"}]}%s%s}"""
                .formatted(effective == null ? "" : "," + effective, valueQuantity == null ? "" : ",\"valueQuantity\":" + valueQuantity);
    }

    static String obs(String id, String loinc, String value, String unit, String date) {
        return """
                {"resourceType":"Observation","id":"%s","status":"final","subject":{"reference":"Patient/p1"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"%s"}]},"effectiveDateTime":"%s",
                 "valueQuantity":{"value":%s,"system":"http://unitsofmeasure.org","code":"%s"}}"""
                .formatted(id, loinc, date, value, unit);
    }

    static String aiWith(String id, String extra) {
        return """
                {"resourceType":"MedicationStatement","id":"%s","status":"active","subject":{"reference":"Patient/p1"},
                 "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"84857"}]},
                 "effectivePeriod":{"start":"2024-06-01"}%s}""".formatted(id, extra);
    }

    static final String PG = "\"system\":\"http://unitsofmeasure.org\",\"code\":\"pg/mL\"";

    static Stream<Arguments> inputs() {
        return Stream.of(
                Arguments.of("huge negative estradiol", bundle(e2("{\"value\":-1e300," + PG + "}", "\"effectiveDateTime\":\"2026-05-01\""))),
                Arguments.of("estradiol with 400 digits", bundle(e2("{\"value\":1" + "0".repeat(400) + "," + PG + "}", "\"effectiveDateTime\":\"2026-05-01\""))),
                Arguments.of("tiny estradiol", bundle(e2("{\"value\":1e-300," + PG + "}", "\"effectiveDateTime\":\"2026-05-01\""))),
                Arguments.of("huge anastrozole dose", bundle(aiWith("ai2", ",\"dosage\":[{\"doseAndRate\":[{\"doseQuantity\":{\"value\":1e300,\"unit\":\"mg\"}}],\"timing\":{\"repeat\":{\"frequency\":2147483647,\"period\":1e-300,\"periodUnit\":\"s\"}}}]"))),
                Arguments.of("zero and negative timing", bundle(aiWith("ai2", ",\"dosage\":[{\"doseAndRate\":[{\"doseQuantity\":{\"value\":1,\"unit\":\"mg\"}}],\"timing\":{\"repeat\":{\"frequency\":0,\"period\":-1,\"periodUnit\":\"d\"}}}]"))),
                Arguments.of("empty dosage", bundle(aiWith("ai2", ",\"dosage\":[{}]"))),
                Arguments.of("dosage elements with only extensions", bundle(aiWith("ai2",
                        ",\"dosage\":[{\"_asNeededBoolean\":{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"x\"}]},"
                                + "\"doseAndRate\":[{\"doseQuantity\":{\"_value\":{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"x\"}]},\"unit\":\"mg\"}}],"
                                + "\"timing\":{\"repeat\":{\"_period\":{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"x\"}]},\"periodUnit\":\"d\"}}}]"))),
                Arguments.of("huge huge T-score", bundle(obs("t", "38267-1", "-1e300", "1", "2026-05-01"), obs("b", "24966-4", "1.0", "g/cm2", "2026-05-01"))),
                Arguments.of("zero BMDs", bundle(obs("b1", "24966-4", "0", "g/cm2", "2025-05-01"), obs("b2", "24966-4", "0", "g/cm2", "2026-05-01"))),
                Arguments.of("negative BMD", bundle(obs("b1", "24966-4", "1.0", "g/cm2", "2025-05-01"), obs("b2", "24966-4", "-1e300", "g/cm2", "2026-05-01"))),
                Arguments.of("huge vitamin D", bundle(obs("v", "62292-8", "-1e300", "ng/mL", "2026-05-01"))),
                Arguments.of("dateTime without seconds or zone", bundle(e2("{\"value\":12," + PG + "}", "\"effectiveDateTime\":\"2026-05-01T10:00\""))),
                Arguments.of("dateTime without zone", bundle(e2("{\"value\":12," + PG + "}", "\"effectiveDateTime\":\"2026-05-01T10:00:00\""))),
                Arguments.of("invalid date", bundle(e2("{\"value\":12," + PG + "}", "\"effectiveDateTime\":\"2026-13-45\""))),
                Arguments.of("date far in the future", bundle(e2("{\"value\":12," + PG + "}", "\"effectiveDateTime\":\"9999-12-31T23:59:59+14:00\""))),
                Arguments.of("year one", bundle(e2("{\"value\":12," + PG + "}", "\"effectiveDateTime\":\"0001-01-01\""))),
                Arguments.of("effective only as an extension", bundle(e2("{\"value\":12," + PG + "}", "\"_effectiveDateTime\":{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"x\"}]}"))),
                Arguments.of("unknown comparator", bundle(e2("{\"value\":12,\"comparator\":\"ad\"," + PG + "}", "\"effectiveDateTime\":\"2026-05-01\""))),
                Arguments.of("empty valueQuantity", bundle(e2("{}", "\"effectiveDateTime\":\"2026-05-01\""))),
                Arguments.of("huge supply duration", bundle("""
                        {"resourceType":"MedicationRequest","id":"rx","status":"completed","intent":"order","subject":{"reference":"Patient/p1"},
                         "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"84857"}]},
                         "authoredOn":"2024-01-01","dispenseRequest":{"expectedSupplyDuration":{"value":1e300,"system":"http://unitsofmeasure.org","code":"a"}}}""")),
                Arguments.of("request with nothing but a status", bundle("""
                        {"resourceType":"MedicationRequest","id":"rx","status":"active","intent":"order","subject":{"reference":"Patient/p1"},
                         "medicationCodeableConcept":{"text":"anastrozole"},"dispenseRequest":{"validityPeriod":{"end":"2020-01-01"}}}""")),
                Arguments.of("medication reference to nothing", bundle("""
                        {"resourceType":"MedicationStatement","id":"m","status":"active","subject":{"reference":"Patient/p1"},
                         "medicationReference":{"reference":"Medication/missing"},"effectiveDateTime":"2025-01-01"}""")),
                Arguments.of("medication reference to a contained Medication without code", bundle("""
                        {"resourceType":"MedicationStatement","id":"m","status":"active","subject":{"reference":"Patient/p1"},
                         "contained":[{"resourceType":"Medication","id":"med"}],
                         "medicationReference":{"reference":"#med"},"effectiveDateTime":"2025-01-01"}""")),
                Arguments.of("medication reference that is only an identifier", bundle("""
                        {"resourceType":"MedicationStatement","id":"m","status":"active","subject":{"reference":"Patient/p1"},
                         "medicationReference":{"identifier":{"value":"x"}},"effectiveDateTime":"2025-01-01"}""")),
                Arguments.of("subject reference to nothing useful", bundle("""
                        {"resourceType":"Observation","id":"o","status":"final","subject":{"reference":"Patient/"},
                         "code":{"coding":[{"system":"http://loinc.org","code":"35384-7"}]},"effectiveDateTime":"2026-05-01",
                         "valueQuantity":{"value":9,"system":"http://unitsofmeasure.org","code":"pg/mL"}}""",
                        """
                        {"resourceType":"Observation","id":"o2","status":"final","subject":{"reference":"#"},
                         "code":{"coding":[{"system":"http://loinc.org","code":"35384-7"}]},"effectiveDateTime":"2026-05-01"}""",
                        """
                        {"resourceType":"Observation","id":"o3","status":"final","subject":{"display":"someone"},
                         "code":{"coding":[{"system":"http://loinc.org","code":"35384-7"}]}}""")),
                Arguments.of("repeated resources", bundle(e2("{\"value\":12," + PG + "}", "\"effectiveDateTime\":\"2026-05-01\""),
                        e2("{\"value\":12," + PG + "}", "\"effectiveDateTime\":\"2026-05-01\""),
                        aiWith("ai", ""), aiWith("ai", ""))),
                Arguments.of("report whose results are missing or not observations", bundle("""
                        {"resourceType":"DiagnosticReport","id":"r","status":"final","subject":{"reference":"Patient/p1"},
                         "code":{"coding":[{"system":"http://loinc.org","code":"38269-7"}]},
                         "result":[{"reference":"Observation/none"},{"reference":"Patient/p1"},{}]}""")),
                Arguments.of("report referencing itself", bundle("""
                        {"resourceType":"DiagnosticReport","id":"r","status":"final","subject":{"reference":"Patient/p1"},
                         "code":{"coding":[{"system":"http://loinc.org","code":"38269-7"}]},
                         "result":[{"reference":"DiagnosticReport/r"}]}""")),
                Arguments.of("condition with nothing", bundle("""
                        {"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p1"},"code":{"text":"hip fracture"}}""")),
                Arguments.of("patient without gender or birth date, and a second copy", bundle("""
                        {"resourceType":"Patient","id":"p1","birthDate":"2090"}""")),
                Arguments.of("patient without id", bundle("""
                        {"resourceType":"Patient","gender":"female"}""")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void oddInputIsEvaluatedOrRejectedNeverA500(String name, String body) {
        Response r = given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .contentType("application/fhir+json").body(body)
                .post("/fhir/$evaluate?asOf=" + AS_OF);
        int status = r.statusCode();
        assertTrue(status == 200 || status == 400, name + ": status " + status + " " + r.asString());
        if (status == 400) {
            assertEquals("OperationOutcome", r.jsonPath().getString("resourceType"), name);
        } else {
            assertEquals("collection", r.jsonPath().getString("type"), name);
        }
    }
}
