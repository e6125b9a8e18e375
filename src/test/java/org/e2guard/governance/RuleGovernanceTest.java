package org.e2guard.governance;

import static io.restassured.RestAssured.given;
import static org.e2guard.cds.CdsTestSupport.JSON;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.cds.CdsTestSupport;
import org.e2guard.cds.EhrTestServer;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.mapping.output.RuleMeasureReport;
import org.e2guard.platform.db.Jdbc;
import org.e2guard.testing.GoldenCases;
import org.e2guard.testing.SilentRulesProfile;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Rule modes through the $evaluate and CDS Hooks doors of a deployment with E1 silent and M3 off
 * (the EHR door: subscription.EhrSilentRuleTest), and the statistics they leave: counted per
 * rule, severity, door and mode in PostgreSQL and served as a MeasureReport at /admin/rules/report.
 */
@QuarkusTest
@TestProfile(SilentRulesProfile.class)
@WithTestResource(EhrTestServer.class)
class RuleGovernanceTest {
    static final String C01 = "c01-man-e2-suppressed-transaction"; // E1 moderate only
    static final String C08 = "c08-vitd-low-and-calcium-overdue"; // M4 and M3

    @Inject
    Jdbc db;
    /** The statistics are written every few seconds: flushed before a test reads the tables. */
    @Inject
    org.e2guard.evaluation.RuleStatistics statistics;

    static GoldenCases.Case golden(String name) {
        return GoldenCases.builtIn().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    static Bundle evaluate(GoldenCases.Case c) {
        String body = given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .contentType("application/fhir+json").body(c.bundle())
                .when().post("/fhir/$evaluate?asOf=" + c.asOf()).then().statusCode(200).extract().asString();
        return CdsTestSupport.CTX.newJsonParser().parseResource(Bundle.class, body);
    }

    static <T extends Resource> List<T> all(Bundle b, Class<T> type) {
        List<T> out = new ArrayList<>();
        b.getEntry().stream().map(Bundle.BundleEntryComponent::getResource).filter(type::isInstance).forEach(r -> out.add(type.cast(r)));
        return out;
    }

    static String rule(DetectedIssue di) {
        return di.getCode().getCoding().stream().filter(c -> Canonical.RULE_SYSTEM.equals(c.getSystem())).findFirst()
                .orElseThrow().getCode();
    }

    long findings(String rule, String door, String mode) {
        statistics.flush();
        return db.one("SELECT coalesce(sum(findings), 0) FROM rule_stats_daily WHERE rule = ? AND door = ? AND mode = ?",
                rs -> rs.getLong(1), rule, door, mode);
    }

    long evaluations(String door) {
        statistics.flush();
        return db.one("SELECT coalesce(sum(patients), 0) FROM evaluations_daily WHERE door = ?", rs -> rs.getLong(1), door);
    }

    @Test
    void evaluateReturnsASilentFindingTaggedAndOutOfTheFlag_andAnOffRuleNotAtAll() {
        long silentBefore = findings(SilentRulesProfile.SILENT, "evaluate", "silent");
        long offBefore = findings(SilentRulesProfile.OFF, "evaluate", "active") + findings(SilentRulesProfile.OFF, "evaluate", "silent");
        long evaluatedBefore = evaluations("evaluate");

        Bundle c01 = evaluate(golden(C01));
        List<DetectedIssue> issues = all(c01, DetectedIssue.class);
        assertEquals(List.of(SilentRulesProfile.SILENT), issues.stream().map(RuleGovernanceTest::rule).toList());
        assertTrue(issues.get(0).getMeta().getTag(Canonical.FINDING_TAG_SYSTEM, "silent") != null,
                "the silent finding carries the tag: " + issues.get(0).getMeta().getTag());
        assertEquals(List.of(), all(c01, Flag.class), "a patient with only silent findings is not flagged");

        Bundle c08 = evaluate(golden(C08));
        List<DetectedIssue> c08Issues = all(c08, DetectedIssue.class);
        assertEquals(List.of("VITD_LOW"), c08Issues.stream().map(RuleGovernanceTest::rule).toList(), "M3 is off");
        assertTrue(c08Issues.get(0).getMeta().getTag().isEmpty(), "an active finding has no tag");
        assertEquals(1, all(c08, Flag.class).size());

        assertEquals(silentBefore + 1, findings(SilentRulesProfile.SILENT, "evaluate", "silent"), "the silent finding is counted");
        assertEquals(offBefore, findings(SilentRulesProfile.OFF, "evaluate", "active")
                + findings(SilentRulesProfile.OFF, "evaluate", "silent"), "an off rule is not counted");
        assertEquals(evaluatedBefore + 2, evaluations("evaluate"));
    }

    @Test
    void aSilentRuleNeverBecomesACard_butIsCounted_andFeedbackOnCardsIsAggregated() throws IOException {
        long silentBefore = findings(SilentRulesProfile.SILENT, "cds", "silent");
        long silentCardsBefore = cards(SilentRulesProfile.SILENT);
        JsonNode c01 = patientView(golden(C01));
        assertEquals(0, c01.get("cards").size(), "E1 is silent: no card, " + c01);
        assertEquals(silentBefore + 1, findings(SilentRulesProfile.SILENT, "cds", "silent"));
        // the database outlives the test's deployment: other test classes may have shown E1 cards while it was active
        assertEquals(silentCardsBefore, cards(SilentRulesProfile.SILENT), "a silent rule never counts a card");

        long cardsBefore = cards("VITD_LOW");
        JsonNode c08 = patientView(golden(C08));
        assertEquals(List.of("VITD_LOW moderate"), CdsTestSupport.cardFindings(c08), "M3 is off, M4 shown");
        assertEquals(cardsBefore + 1, cards("VITD_LOW"), "the card shown is counted");

        String card = c08.get("cards").get(0).get("uuid").asText();
        long overriddenBefore = feedback("VITD_LOW", "overridden", "patient-declined");
        CdsTestSupport.cds("/cds-services/" + PATIENT_VIEW + "/feedback").body("""
                {"feedback":[{"card":"%s","outcome":"overridden","overrideReason":{
                  "reason":{"system":"https://e2guard.org/fhir/CodeSystem/cds-override-reason","code":"patient-declined"},
                  "userComment":"Spoke with Mrs Example, MRN 12345"},
                  "outcomeTimestamp":"2026-07-01T10:06:00Z"}]}""".formatted(card))
                .post("/cds-services/" + PATIENT_VIEW + "/feedback").then().statusCode(200);
        assertEquals(overriddenBefore + 1, feedback("VITD_LOW", "overridden", "patient-declined"));

        MeasureReport mr = report("2026-06-25", "2026-07-05");
        MeasureReport.MeasureReportGroupComponent g = mr.getGroup().stream().filter(x -> x.getId().equals("VITD_LOW"))
                .findFirst().orElseThrow();
        assertTrue(stratum(g, "outcome", "overridden") >= 1, "feedback on 2026-07-01 is in the report of that period");
        assertTrue(stratum(g, "override-reason", "patient-declined") >= 1);
    }

    long cards(String rule) {
        statistics.flush();
        return db.one("SELECT coalesce(sum(cards), 0) FROM rule_stats_daily WHERE rule = ? AND door = 'cds'",
                rs -> rs.getLong(1), rule);
    }

    long feedback(String rule, String outcome, String reason) {
        return db.one("SELECT coalesce(sum(n), 0) FROM rule_feedback_daily WHERE rule = ? AND outcome = ? AND reason = ?",
                rs -> rs.getLong(1), rule, outcome, reason);
    }

    static JsonNode patientView(GoldenCases.Case golden) throws IOException {
        List<Resource> resources = CdsTestSupport.caseResources(golden);
        JsonNode templates = CdsTestSupport.templates(PATIENT_VIEW);
        ObjectNode request = CdsTestSupport.request("patient-view", "p1");
        CdsTestSupport.asOf(request, golden.asOf());
        request.set("prefetch", CdsTestSupport.prefetch(templates, resources, "p1"));
        String body = CdsTestSupport.cds("/cds-services/" + PATIENT_VIEW).body(request.toString())
                .post("/cds-services/" + PATIENT_VIEW).then().statusCode(200).extract().asString();
        return JSON.readTree(body);
    }

    static MeasureReport report(String from, String to) {
        String body = given().header("Authorization", "Bearer test-key")
                .when().get("/admin/rules/report?from=" + from + "&to=" + to)
                .then().statusCode(200).contentType("application/fhir+json").extract().asString();
        return CdsTestSupport.CTX.newJsonParser().parseResource(MeasureReport.class, body);
    }

    static long stratum(MeasureReport.MeasureReportGroupComponent g, String stratifier, String value) {
        return g.getStratifier().stream().filter(s -> s.getCodeFirstRep().getText().equals(stratifier))
                .flatMap(s -> s.getStratum().stream()).filter(s -> s.getValue().getText().equals(value))
                .mapToLong(s -> s.getPopulationFirstRep().getCount()).sum();
    }

    @Test
    void theReportIsOneGroupPerRuleStratifiedBySeverityDoorAndMode_ratesPerThousandEvaluated() {
        evaluate(golden(C01));
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        MeasureReport mr = report(today, today);
        assertEquals(MeasureReport.MeasureReportType.SUMMARY, mr.getType());
        assertEquals(RuleMeasureReport.LIVE, RuleMeasureReport.setting(mr));
        MeasureReport.MeasureReportGroupComponent e1 = mr.getGroup().stream()
                .filter(g -> g.getId().equals(SilentRulesProfile.SILENT)).findFirst().orElseThrow();
        long evaluated = e1.getPopulation().get(0).getCount();
        long raised = e1.getPopulation().get(2).getCount();
        assertTrue(evaluated >= 1 && raised >= 1, "evaluated " + evaluated + ", raised " + raised);
        // other test classes, with every rule active, may have counted E1 today in the same database
        long silentToday = db.one("SELECT coalesce(sum(findings), 0) FROM rule_stats_daily WHERE rule = ? AND mode = 'silent'"
                + " AND day = ?", rs -> rs.getLong(1), SilentRulesProfile.SILENT, java.time.LocalDate.parse(today));
        assertTrue(silentToday >= 1);
        assertEquals(silentToday, stratum(e1, "mode", "silent"), "the silent findings of the day");
        assertEquals(raised, stratum(e1, "mode", "silent") + stratum(e1, "mode", "active"));
        assertEquals(raised, stratum(e1, "severity", "moderate") + stratum(e1, "severity", "high") + stratum(e1, "severity", "low"));
        assertTrue(stratum(e1, "door", "evaluate") >= 1);
        assertEquals(RuleMeasureReport.PER_1000_EVALUATED, e1.getMeasureScore().getUnit());
        assertEquals(Math.round(raised * 10000.0 / evaluated) / 10.0, e1.getMeasureScore().getValue().doubleValue(), 0.001);
        // the counts read back exactly, as the dry run's reports do
        assertEquals(raised, RuleMeasureReport.counts(mr).rule(org.e2guard.engine.Rule.E1).patients());
    }

    @Test
    void theReportNeedsTheApiKeyAndAnswersABadPeriodWithAnOperationOutcome() {
        given().when().get("/admin/rules/report").then().statusCode(401);
        for (String query : List.of("from=yesterday", "from=2026-07-02&to=2026-07-01", "from=2020-01-01&to=2026-01-01")) {
            String body = given().header("Authorization", "Bearer test-key").when().get("/admin/rules/report?" + query)
                    .then().statusCode(400).contentType("application/fhir+json").extract().asString();
            OperationOutcome oo = CdsTestSupport.CTX.newJsonParser().parseResource(OperationOutcome.class, body);
            assertEquals(OperationOutcome.IssueType.INVALID, oo.getIssueFirstRep().getCode(), query);
            assertFalse(body.contains("Exception"), body);
        }
        // the default period is the last 14 days
        MeasureReport mr = CdsTestSupport.CTX.newJsonParser().parseResource(MeasureReport.class,
                given().header("Authorization", "Bearer test-key").when().get("/admin/rules/report").then().statusCode(200)
                        .extract().asString());
        long days = java.time.Duration.between(mr.getPeriod().getStart().toInstant(), mr.getPeriod().getEnd().toInstant()).toDays();
        assertEquals(13, days);
    }
}
