package org.e2guard.population;

import static io.restassured.RestAssured.given;
import static org.e2guard.population.PopulationFixtures.AS_OF;
import static org.e2guard.population.PopulationFixtures.allFiles;
import static org.e2guard.population.PopulationFixtures.api;
import static org.e2guard.population.PopulationFixtures.await;
import static org.e2guard.population.PopulationFixtures.e1At25;
import static org.e2guard.population.PopulationFixtures.evaluateOneByOne;
import static org.e2guard.population.PopulationFixtures.findingsBySeverity;
import static org.e2guard.population.PopulationFixtures.kickOff;
import static org.e2guard.population.PopulationFixtures.request;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
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
import jakarta.inject.Inject;
import io.restassured.response.Response;

/**
 * {@code $evaluate-population} over real HTTP: NDJSON fetched from a loopback server on the
 * allow-list, the asynchronous pattern, and the MeasureReport's counts against posting the same
 * patients to {@code $evaluate} one by one.
 */
@QuarkusTest
@WithTestResource(BulkFileServer.class)
class PopulationResourceTest {
    @Test
    void countsEqualPostingEachPatientToEvaluate() throws Exception {
        Response done = await(kickOff(request(allFiles(), e1At25())));
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
        Map<String, Long> expected = evaluateOneByOne(BulkFileServer.patients);
        int patients = BulkFileServer.patients.size();
        Map<String, Long> actual = findingsBySeverity(counts);
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

    @Inject
    PopulationJobStore store;
    @Inject
    Clock clock;

    @Test
    void aJobWhoseReplicaStoppedIsFailedOnceAndASlowOwnerCannotReviveIt() {
        Instant now = clock.instant();
        PopulationJob running = new PopulationJob(java.util.UUID.randomUUID().toString(), PopulationJob.State.RUNNING,
                "evaluating", now.minus(Duration.ofMinutes(5)), null, 1, now, List.of(), null, List.of());
        Instant lastBeat = now.minus(PopulationJobs.STALE).minusSeconds(1);
        store.insert(running, "gone-pod/1234abcd", lastBeat);

        // an owner that renewed after the poll read the row keeps its job
        assertTrue(!store.failStale(running.failed(new PopulationJob.Failure(500, "x"), now), lastBeat.minusSeconds(1), now),
                "a heartbeat other than the one read is not failed");

        String location = "/fhir/population-jobs/" + running.id();
        api().get(location).then().statusCode(500).body(containsString("stopped before it finished"));
        // the owner was only slow: its next write finds the job over and must stop, the failure stays
        assertTrue(!store.save(running.with(PopulationJob.State.RUNNING, "still evaluating"), now));
        api().get(location).then().statusCode(500).body(containsString("stopped before it finished"));
        api().delete(location).then().statusCode(202);
    }
}
