package org.e2guard.ops.logging;

import static io.restassured.RestAssured.given;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.cds.CdsTestSupport;
import org.e2guard.cds.EhrTestServer;
import org.e2guard.platform.db.Jdbc;
import org.e2guard.testing.GoldenCases;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The rule statistics hold no patient datum, like the log (NoPatientDataInLogsTest): every golden
 * case goes through $evaluate and CDS patient-view, every card gets feedback whose comment names
 * the patient, and then the statistics tables, the MeasureReport and the statistics page are
 * scanned for the cases' patient ids, MRNs, names, birth dates and values.
 */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class NoPatientDataInStatisticsTest {
    static final List<String> TABLES = List.of("rule_stats_daily", "evaluations_daily", "rule_feedback_daily");

    @Inject
    Jdbc db;
    /** The statistics are written every few seconds: flushed before the tables are read. */
    @Inject
    org.e2guard.evaluation.RuleStatistics statistics;

    @Test
    void noPatientDatumOfAnyCaseIsInTheStatistics() throws IOException {
        List<GoldenCases.Case> cases = GoldenCases.all();
        PatientData data = PatientData.of(cases.stream().map(GoldenCases.Case::bundlePath).toList());
        String mrn = data.tokens().stream().filter(t -> t.startsWith("MRN")).findFirst().orElseThrow();
        // the detector bites on the shape the statistics are scanned in
        assertFalse(data.findIn("{\"rule\":\"E2_SUPPRESSED\",\"note\":\"" + mrn + "\"}").isEmpty(), "a planted MRN is found");

        int cards = 0;
        for (GoldenCases.Case c : cases) {
            given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key").contentType("application/fhir+json")
                    .body(c.bundle()).when().post("/fhir/$evaluate?asOf=" + c.asOf()).then().statusCode(200);
            List<Resource> resources = CdsTestSupport.caseResources(c);
            JsonNode templates = CdsTestSupport.templates(PATIENT_VIEW);
            for (Resource r : resources) {
                if (!(r instanceof Patient p)) {
                    continue;
                }
                String id = p.getIdElement().getIdPart();
                ObjectNode request = CdsTestSupport.request("patient-view", id);
                CdsTestSupport.asOf(request, c.asOf());
                request.set("prefetch", CdsTestSupport.prefetch(templates, resources, id));
                JsonNode response = CdsTestSupport.JSON.readTree(CdsTestSupport.cds("/cds-services/" + PATIENT_VIEW)
                        .body(request.toString()).post("/cds-services/" + PATIENT_VIEW).then().statusCode(200).extract().asString());
                for (JsonNode card : response.get("cards")) {
                    cards++;
                    CdsTestSupport.cds("/cds-services/" + PATIENT_VIEW + "/feedback").body("""
                            {"feedback":[{"card":"%s","outcome":"overridden","overrideReason":{
                              "reason":{"system":"https://e2guard.org/fhir/CodeSystem/cds-override-reason","code":"not-applicable"},
                              "userComment":"Patient %s, %s"},"outcomeTimestamp":"%s"}]}"""
                            .formatted(card.get("uuid").asText(), id, mrn, c.asOf()))
                            .post("/cds-services/" + PATIENT_VIEW + "/feedback").then().statusCode(200);
                }
            }
        }
        assertTrue(cards > 10, "the cases gave cards to give feedback on: " + cards);

        List<String> leaks = new ArrayList<>();
        long rows = 0;
        statistics.flush();
        for (String table : TABLES) {
            List<String> json = db.list("SELECT row_to_json(t)::text FROM " + table + " t", rs -> rs.getString(1));
            rows += json.size();
            for (String row : json) {
                data.findIn(row).forEach(h -> leaks.add(table + ": '" + h.datum() + "' in " + h.where()));
            }
        }
        assertTrue(rows > 20, "the statistics were written: " + rows + " rows");
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        // the feedback is dated the cases' asOf: a period from then to today covers all
        String report = given().header("Authorization", "Bearer test-key")
                .get("/admin/rules/report?from=2025-12-31&to=" + today).then().statusCode(200).extract().asString();
        assertTrue(report.contains("not-applicable"), "the report holds the feedback");
        data.findIn(report).forEach(h -> leaks.add("MeasureReport: '" + h.datum() + "' in " + h.where()));
        String page = given().header("Authorization", "Bearer test-key")
                .get("/reports/rules?from=2025-12-31&to=" + today).then().statusCode(200).extract().asString();
        data.findIn(page).forEach(h -> leaks.add("/reports/rules: '" + h.datum() + "' in " + h.where()));
        if (!leaks.isEmpty()) {
            fail("patient data in the statistics:\n" + String.join("\n", leaks));
        }
    }
}
