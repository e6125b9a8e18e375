package org.e2guard.subscription;

import static io.restassured.RestAssured.given;
import static org.e2guard.subscription.EhrTestSupport.drain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrLocks;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.PatientContextFetcher;
import org.e2guard.ehr.testserver.EhrTestResource;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.outbox.OutboxWorkers;
import org.e2guard.outbox.WritebackConfig;
import org.e2guard.platform.db.Jdbc;
import org.e2guard.testing.SilentRulesProfile;
import org.e2guard.writeback.WritebackPlanner;
import org.e2guard.writeback.WritebackService;
import org.e2guard.writeback.WritebackStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.config.SmallRyeConfigBuilder;
import jakarta.inject.Inject;

/**
 * A silent rule on the EHR path (E1 silent, as SilentRulesProfile deploys it), against the
 * stand-in EHR and e2guard's real PostgreSQL: the finding is evaluated and counted but never
 * written, and what an earlier active deployment had written for it resolves with a mitigation
 * saying the rule was silenced (issue 13, as RULES.md section 6 does for a finding that clears).
 */
@QuarkusTest
@TestProfile(SilentRulesProfile.class)
@WithTestResource(EhrTestResource.class)
class EhrSilentRuleTest {
    @ConfigProperty(name = "e2guard.test.ehr-port", defaultValue = "0")
    int ehrPort;
    @ConfigProperty(name = "e2guard.subscription.public-url", defaultValue = "http://localhost")
    String publicUrl;
    @Inject
    Jdbc db;
    /** The statistics are written every few seconds: flushed before a test reads the tables. */
    @Inject
    org.e2guard.evaluation.RuleStatistics statistics;
    @Inject
    OutboxWorkers workers;
    @Inject
    WritebackConfig writebackConfig;
    @Inject
    EhrRegistry ehrs;
    @Inject
    PatientReevaluation reevaluation;
    @Inject
    PatientContextFetcher fetcher;
    @Inject
    WritebackStore store;
    @Inject
    EhrLocks locks;
    @Inject
    FhirContext ctx;
    @Inject
    Clock clock;

    EhrTestSupport t;

    @BeforeEach
    void setUp() {
        t = new EhrTestSupport(ehrPort, publicUrl);
        t.down(false);
        t.delivery(false);
    }

    long silentFindings(String door) {
        statistics.flush();
        return db.one("SELECT coalesce(sum(findings), 0) FROM rule_stats_daily WHERE rule = ? AND door = ? AND mode = 'silent'",
                rs -> rs.getLong(1), SilentRulesProfile.SILENT, door);
    }

    /** Patient/$evaluate with writeBack, then every due outbox row worked off with the workers stopped: a quiescent point. */
    Bundle evaluateAndWriteBack(String pid) {
        workers.stop();
        try {
            String body = given().header("Authorization", "Bearer test-key")
                    .post("/fhir/Patient/" + pid + "/$evaluate?ehr=main&writeBack=true")
                    .then().statusCode(200).extract().asString();
            drain(workers);
            return ctx.newJsonParser().parseResource(Bundle.class, body);
        } finally {
            workers.start(writebackConfig.workers());
        }
    }

    @Test
    void aSilentFindingIsCountedAndReturnedTaggedButNeverWrittenToTheEhr() {
        t.seed(Fixtures.manOnAnastrozole("silent1"));
        t.ehr.update().resource(Fixtures.estradiol("silent1-e2", "silent1", 14, 5)).execute();
        long before = silentFindings("patient-evaluate");

        Bundle returned = evaluateAndWriteBack("silent1");

        DetectedIssue di = returned.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                .filter(DetectedIssue.class::isInstance).map(DetectedIssue.class::cast).findFirst().orElseThrow();
        assertNotNull(di.getMeta().getTag(Canonical.FINDING_TAG_SYSTEM, "silent"), "returned, marked silent");
        assertEquals(before + 2, silentFindings("patient-evaluate"),
                "counted: once by the operation's own evaluation, once by the queued write-back's");
        assertEquals(List.of(), t.issues("silent1"), "no DetectedIssue reached the EHR");
        assertEquals(List.of(), t.flags("silent1"), "no Flag reached the EHR");
    }

    @Test
    void whatAnActiveDeploymentWroteResolvesOnceTheRuleIsSilent() {
        t.seed(Fixtures.manOnAnastrozole("silent2"));
        t.ehr.update().resource(Fixtures.estradiol("silent2-e2", "silent2", 14, 5)).execute();

        // yesterday's deployment, with every rule active, wrote the finding and the Flag
        RulesConfig allActive = new SmallRyeConfigBuilder().withMapping(RulesConfig.class).build()
                .getConfigMapping(RulesConfig.class);
        WritebackService before = new WritebackService(store, locks, ctx, clock, allActive, "test");
        Ehr ehr = ehrs.find("main").orElseThrow();
        PatientReevaluation.Evaluated e = reevaluation.evaluate(fetcher.fetch(ehr, "silent2").orElseThrow(), Instant.now(clock),
                "subscription");
        WritebackService.Result first = before.apply(ehr, "silent2", e.evaluation(), e::record, Instant.now(clock));
        assertEquals(2, first.written(), "DetectedIssue and Flag written while E1 was active");
        assertEquals(DetectedIssue.DetectedIssueStatus.FINAL, t.issues("silent2").get(0).getStatus());

        // today's deployment has E1 silent: the next evaluation resolves both
        evaluateAndWriteBack("silent2");
        List<DetectedIssue> issues = t.issues("silent2");
        assertEquals(1, issues.size(), "resolved in place, not duplicated");
        DetectedIssue di = issues.get(0);
        assertEquals(DetectedIssue.DetectedIssueStatus.AMENDED, di.getStatus());
        DetectedIssue.DetectedIssueMitigationComponent m = di.getMitigation().get(di.getMitigation().size() - 1);
        assertEquals(WritebackPlanner.MITIGATION_SILENCED, m.getAction().getCodingFirstRep().getCode());
        assertTrue(m.getAction().getText().startsWith("Rule E1 was turned silent"), m.getAction().getText());
        Flag flag = t.flags("silent2").get(0);
        assertEquals(Flag.FlagStatus.INACTIVE, flag.getStatus(), "the Flag stood only for the silenced finding");
    }
}
