package org.e2guard.population;

import static org.e2guard.population.PopulationFixtures.AS_OF;
import static org.e2guard.population.PopulationFixtures.api;
import static org.e2guard.population.PopulationFixtures.await;
import static org.e2guard.population.PopulationFixtures.baseline;
import static org.e2guard.population.PopulationFixtures.kickOff;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.e2guard.mapping.output.RuleCounts;
import org.e2guard.mapping.output.RuleMeasureReport;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UrlType;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The export-driven dry run's protocol edges against a scripted export endpoint
 * ({@link ScriptedExportEhr}): Retry-After as a date, the EHR's token on every request and file,
 * cancellation and time-out passed on to the EHR, refusals, failed exports and error manifests
 * ending the job with a clear OperationOutcome. The real server's export: RealEhrPopulationExportTest.
 */
@QuarkusTest
@WithTestResource(ScriptedExportEhr.class)
class PopulationExportTest {

    @Test
    void aFinishedExportIsDownloadedWithTheEhrsTokenAndEvaluated() throws Exception {
        Response done = await(kickOff(export("ok")));
        assertEquals(200, done.statusCode(), done.asString());
        RuleCounts counts = RuleMeasureReport.counts(baseline(done.asString()));
        assertEquals(ScriptedExportEhr.PATIENTS, counts.population());
        assertEquals(ScriptedExportEhr.PATIENTS + 1, counts.evaluated(), "the patient without an AI is evaluated too");
        String kickOff = ScriptedExportEhr.kickOffs.stream().filter(k -> k.contains("_type=")).findFirst().orElseThrow();
        assertTrue(kickOff.contains("_type=Patient,Observation,MedicationStatement,MedicationRequest,MedicationAdministration,"
                + "Medication,Condition,DiagnosticReport,Procedure"), kickOff);
        assertTrue(kickOff.contains("Prefer=respond-async") && kickOff.contains("Accept=application/fhir+json"), kickOff);
    }

    @Test
    void cancellingTheJobCancelsTheExportOnTheEhr() throws Exception {
        String location = kickOff(export("slow-cancel"));
        awaitProgress(location, "waiting for the EHR");
        api().delete(location).then().statusCode(202);
        Instant giveUp = Instant.now().plus(Duration.ofSeconds(30));
        while (!ScriptedExportEhr.deletes.containsKey("slow-cancel")) {
            assertTrue(Instant.now().isBefore(giveUp), "the export was not cancelled on the EHR");
            Thread.sleep(100);
        }
        assertEquals(1, ScriptedExportEhr.deletes.get("slow-cancel").get());
        api().get(location).then().statusCode(404);
    }

    @Test
    void anExportThatDoesNotFinishInTimeFailsAndIsCancelledOnTheEhr() throws Exception {
        Response failed = await(kickOff(export("slow-timeout")));
        assertEquals(504, failed.statusCode(), failed.asString());
        assertTrue(failed.asString().contains("e2guard.population.export-timeout"), failed.asString());
        assertEquals(1, ScriptedExportEhr.deletes.get("slow-timeout").get());
    }

    @Test
    void refusalsFailuresAndErrorManifestsFailTheJobWithAClearOutcome() throws Exception {
        Response refused = await(kickOff(export("refuse")));
        assertEquals(502, refused.statusCode());
        assertTrue(refused.asString().contains("refused the export") && refused.asString().contains("HTTP 403")
                && refused.asString().contains("not authorised to export this Group"), refused.asString());

        Response failed = await(kickOff(export("fails")));
        assertEquals(502, failed.statusCode());
        assertTrue(failed.asString().contains("export failed: HTTP 500"), failed.asString());

        Response errors = await(kickOff(export("broken")));
        assertEquals(502, errors.statusCode());
        String text = errors.asString();
        assertTrue(text.contains("reported errors") && text.contains("1 OperationOutcome") && text.contains("processing"), text);
        assertFalse(text.contains("secret-42"), "an error file's diagnostics can cite patients: not repeated");

        Response offsite = await(kickOff(export("offsite")));
        assertEquals(502, offsite.statusCode());
        assertTrue(offsite.asString().contains("only to the EHR's own host"), offsite.asString());

        Response empty = await(kickOff(export("empty")));
        assertEquals(422, empty.statusCode());
        assertTrue(empty.asString().contains("no patients to evaluate"), empty.asString());
    }

    @Test
    void badExportRequestsAreRefusedAtOnce() {
        Parameters unknown = export("ok");
        unknown.getParameter().get(0).setValue(new StringType("nowhere"));
        post(unknown).then().statusCode(400).body(containsString("No EHR named 'nowhere'"), containsString(ScriptedExportEhr.EHR));
        Parameters both = export("ok");
        both.addParameter().setName("input").setValue(new UrlType("http://127.0.0.1:1/x.ndjson"));
        post(both).then().statusCode(400).body(containsString("not both"));
        post(export("../Patient")).then().statusCode(400).body(containsString("FHIR id"));
        Parameters groupOnly = new Parameters();
        groupOnly.addParameter().setName("group").setValue(new StringType("ok"));
        post(groupOnly).then().statusCode(400).body(containsString("give the 'ehr' too"));
    }

    private static io.restassured.response.Response post(Parameters p) {
        return api().contentType("application/fhir+json").body(TestPopulation.CTX.newJsonParser().encodeResourceToString(p))
                .post("/fhir/$evaluate-population");
    }

    private static void awaitProgress(String location, String text) throws InterruptedException {
        Instant giveUp = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            Response r = api().get(location);
            assertEquals(202, r.statusCode(), r.asString());
            if (r.header("X-Progress").contains(text)) {
                return;
            }
            assertTrue(Instant.now().isBefore(giveUp), "progress never said '" + text + "': " + r.header("X-Progress"));
            Thread.sleep(100);
        }
    }

    static Parameters export(String group) {
        Parameters p = new Parameters();
        p.addParameter().setName("ehr").setValue(new StringType(ScriptedExportEhr.EHR));
        p.addParameter().setName("group").setValue(new StringType(group));
        p.addParameter().setName("asOf").setValue(new DateTimeType(AS_OF));
        return p;
    }
}
