package org.e2guard.population;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.e2guard.engine.Rule;
import org.e2guard.mapping.output.RuleCounts;
import org.e2guard.mapping.output.RuleMeasureReport;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UrlType;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * {@code $evaluate-population} over real HTTP: NDJSON fetched from a loopback server on the
 * allow-list, the asynchronous pattern, and the MeasureReport's counts against posting the same
 * patients to {@code $evaluate} one by one.
 */
@QuarkusTest
@WithTestResource(BulkFileServer.class)
class PopulationResourceTest {
    static final String AS_OF = "2026-07-01T00:00:00Z";

    static RequestSpecification api() {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key");
    }

    static Parameters request(List<String> files, Parameters.ParametersParameterComponent... settings) {
        Parameters p = new Parameters();
        files.forEach(f -> p.addParameter().setName("input").setValue(new UrlType(BulkFileServer.base + f)));
        p.addParameter().setName("asOf").setValue(new org.hl7.fhir.r4.model.DateTimeType(AS_OF));
        for (Parameters.ParametersParameterComponent s : settings) {
            p.addParameter(s);
        }
        return p;
    }

    static List<String> allFiles() throws java.io.IOException {
        try (var files = java.nio.file.Files.list(BulkFileServer.dir.resolve("bulk"))) {
            return files.map(f -> "/bulk/" + f.getFileName()).sorted().toList();
        }
    }

    static String kickOff(Parameters p) {
        return api().contentType("application/fhir+json").header("Prefer", "respond-async")
                .body(TestPopulation.CTX.newJsonParser().encodeResourceToString(p))
                .post("/fhir/$evaluate-population")
                .then().statusCode(202).header("Content-Location", containsString("/fhir/population-jobs/"))
                .extract().header("Content-Location");
    }

    /** Polls as a client would, until the job is over; the bound only stops a hung job from hanging the build. */
    static Response await(String location) throws InterruptedException {
        Instant giveUp = Instant.now().plus(Duration.ofMinutes(5));
        while (true) {
            Response r = api().get(location);
            if (r.statusCode() != 202) {
                return r;
            }
            assertTrue(r.header("X-Progress") != null, "a running job says how far it is");
            if (Instant.now().isAfter(giveUp)) {
                throw new AssertionError("the dry run did not finish: " + r.header("X-Progress"));
            }
            Thread.sleep(200);
        }
    }

    @Test
    void countsEqualPostingEachPatientToEvaluate() throws Exception {
        Parameters.ParametersParameterComponent e1 = new Parameters.ParametersParameterComponent().setName("setting");
        e1.addPart().setName("name").setValue(new StringType("E1 < 25 pg/mL"));
        e1.addPart().setName("set").setValue(new StringType("estradiol.suppressed-below=25"));
        e1.addPart().setName("set").setValue(new StringType("estradiol.borderline-below=30"));
        Response done = await(kickOff(request(allFiles(), e1)));
        assertEquals(200, done.statusCode(), done.asString());
        String manifest = done.asString();
        assertTrue(manifest.contains("\"type\":\"MeasureReport\""), manifest);
        String location = manifest.replaceAll(".*\"url\":\"([^\"]*MeasureReport.ndjson)\".*", "$1");
        List<String> lines = api().get(location).then().statusCode(200).contentType(startsWith("application/fhir+ndjson"))
                .extract().asString().lines().toList();
        assertEquals(2, lines.size(), "the baseline and one what-if setting");
        MeasureReport baseline = TestPopulation.CTX.newJsonParser().parseResource(MeasureReport.class, lines.get(0));
        RuleCounts counts = RuleMeasureReport.counts(baseline);

        // the same patients through $evaluate, one request each
        Map<String, Long> expected = new TreeMap<>();
        int patients = 0;
        for (Map.Entry<String, List<Resource>> p : BulkFileServer.patients.entrySet()) {
            Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
            p.getValue().forEach(r -> b.addEntry().setFullUrl("http://ehr.example.org/fhir/" + r.fhirType() + "/"
                    + r.getIdElement().getIdPart()).setResource(r));
            String out = api().contentType("application/fhir+json").queryParam("asOf", AS_OF)
                    .body(TestPopulation.CTX.newJsonParser().encodeResourceToString(b)).post("/fhir/$evaluate")
                    .then().statusCode(200).extract().asString();
            for (Bundle.BundleEntryComponent e : TestPopulation.CTX.newJsonParser().parseResource(Bundle.class, out).getEntry()) {
                if (e.getResource() instanceof DetectedIssue di) {
                    String rule = di.getCode().getCoding().stream().filter(c -> c.getSystem().endsWith("/CodeSystem/rule"))
                            .findFirst().orElseThrow().getCode();
                    expected.merge(rule + "/" + di.getSeverity().toCode(), 1L, Long::sum);
                }
            }
            patients++;
        }
        Map<String, Long> actual = new TreeMap<>();
        for (Rule r : Rule.values()) {
            counts.rule(r).strata().getOrDefault(RuleCounts.SEVERITY, Map.of()).forEach((sev, n) -> {
                if (n > 0) {
                    actual.put(r.code() + "/" + sev, n);
                }
            });
        }
        assertTrue(expected.size() > 4, "several rules and severities fire: " + expected);
        assertEquals(expected, actual);
        assertEquals(patients, counts.evaluated());
        assertEquals(BulkFileServer.PATIENTS, counts.population(), "every generated patient is on anastrozole; the extra one is not");
        String issues = api().get(location.replace("MeasureReport", "DetectedIssue")).then().statusCode(200).extract().asString();
        assertEquals(expected.values().stream().mapToLong(Long::longValue).sum(), issues.lines().count());

        MeasureReport whatIf = TestPopulation.CTX.newJsonParser().parseResource(MeasureReport.class, lines.get(1));
        assertEquals("E1 < 25 pg/mL", RuleMeasureReport.setting(whatIf));
        assertTrue(RuleMeasureReport.counts(whatIf).rule(Rule.E1).patients() > counts.rule(Rule.E1).patients());
    }

    @Test
    void aUrlOffTheAllowListIsRefused() {
        api().contentType("application/fhir+json")
                .body(TestPopulation.CTX.newJsonParser().encodeResourceToString(request(List.of("/private/Patient.ndjson"))))
                .post("/fhir/$evaluate-population")
                .then().statusCode(400).body(containsString("allow-list"));
        Parameters other = new Parameters();
        other.addParameter().setName("input").setValue(new UrlType("http://127.0.0.1:1/bulk/Patient.ndjson"));
        api().contentType("application/fhir+json").body(TestPopulation.CTX.newJsonParser().encodeResourceToString(other))
                .post("/fhir/%24evaluate-population").then().statusCode(400).body(containsString("allow-list"));
    }

    @Test
    void badRequestsGetAnOperationOutcome() {
        Parameters.ParametersParameterComponent bad = new Parameters.ParametersParameterComponent().setName("setting");
        bad.addPart().setName("set").setValue(new StringType("estradiol.nonsense=3"));
        api().contentType("application/fhir+json")
                .body(TestPopulation.CTX.newJsonParser().encodeResourceToString(request(List.of("/bulk/Patient.ndjson"), bad)))
                .post("/fhir/$evaluate-population")
                .then().statusCode(400).body(containsString("OperationOutcome"), containsString("estradiol.nonsense"));
        api().contentType("application/fhir+json").body("{\"resourceType\":\"Parameters\"}")
                .post("/fhir/$evaluate-population").then().statusCode(400).body(containsString("No input"));
        api().contentType("application/fhir+json").body("{\"resourceType\":\"Patient\"}")
                .post("/fhir/$evaluate-population").then().statusCode(400).body(containsString("Parameters"));
        given().urlEncodingEnabled(false).contentType("application/fhir+json").body("{\"resourceType\":\"Parameters\"}")
                .post("/fhir/$evaluate-population").then().statusCode(401);
        api().get("/fhir/population-jobs/no-such-job").then().statusCode(404).body(containsString("OperationOutcome"));
    }

    @Test
    void aFailedFetchFailsTheJobWithItsReason() throws Exception {
        Response r = await(kickOff(request(List.of("/bulk/Missing.ndjson"))));
        assertEquals(502, r.statusCode());
        assertTrue(r.asString().contains("HTTP 404"), r.asString());
    }

    @Test
    void deleteCancelsOrRemovesAJob() throws Exception {
        String location = kickOff(request(List.of("/bulk/Patient.ndjson")));
        api().delete(location).then().statusCode(202);
        api().get(location).then().statusCode(404);
        api().delete(location).then().statusCode(404);
    }
}
