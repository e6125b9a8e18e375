package org.e2guard.ehr.jpa;

import static org.e2guard.subscription.EhrTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.conformance.ValidationAssertions;
import org.e2guard.subscription.Fixtures;
import org.e2guard.validation.FhirValidation;
import org.e2guard.writeback.WritebackPlanner;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.validation.SingleValidationMessage;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The EHR path against a real EHR: HAPI FHIR's JPA server (rest-hook Subscriptions delivered by
 * HAPI itself, its reference-type checks, versioning and 60 s search cache). A case filed in the EHR
 * comes back as DetectedIssue and Flag, a normal result resolves them there, and a second result
 * filed seconds after the first is seen.
 */
@QuarkusTest
@WithTestResource(HapiJpaEhrResource.class)
class RealEhrRoundTripTest {
    /** Shorter than HAPI's 60 s search cache: a stale read cannot pass by waiting it out. */
    static final Duration WAIT = Duration.ofSeconds(45);

    @ConfigProperty(name = "e2guard.test.real-ehr-base", defaultValue = "http://127.0.0.1:1/fhir")
    String ehrBase;
    @Inject
    FhirValidation validation;

    RealEhr ehr;

    @BeforeEach
    void setUp() {
        ehr = new RealEhr(ehrBase);
        // e2guard registers its Subscriptions at start; HAPI activates them
        await("e2guard's four Subscriptions active on the EHR", Duration.ofSeconds(90), () -> {
            List<Subscription> subs = ehr.subscriptions();
            return subs.size() == 4 && subs.stream().allMatch(s -> s.getStatus() == Subscription.SubscriptionStatus.ACTIVE);
        });
    }

    @Test
    void aCaseFiledInTheEhrComesBackAsFindingsAndANormalResultResolvesThem() {
        List<Resource> chart = new ArrayList<>(Fixtures.manOnAnastrozole("rt1"));
        chart.add(Fixtures.estradiol("rt1-e2", "rt1", 14, 5));
        ehr.post(chart);

        await("the Flag of rt1", WAIT, () -> ehr.flags("rt1").size() == 1);
        await("the DetectedIssue of rt1", WAIT, () -> ehr.issues("rt1").size() == 1);
        DetectedIssue active = ehr.issues("rt1").get(0);
        assertEquals("E2_SUPPRESSED", RealEhr.ruleCode(active));
        assertEquals(DetectedIssue.DetectedIssueStatus.FINAL, active.getStatus());
        assertEquals("Observation/rt1-e2", active.getEvidenceFirstRep().getDetailFirstRep().getReference());
        Flag activeFlag = ehr.flags("rt1").get(0);
        assertEquals(Flag.FlagStatus.ACTIVE, activeFlag.getStatus());
        await("the Provenance of the DetectedIssue", WAIT, () -> !ehr.provenancesOf(ehr.issues("rt1").get(0)).isEmpty());
        Provenance provenance = ehr.provenancesOf(active).get(0);
        assertTrue(provenance.getAgentFirstRep().getWho().getReference().startsWith("Device/"), "e2guard's Device wrote it");

        // a normal estradiol a day later: both resolve, in place
        ehr.post(List.of(Fixtures.estradiol("rt1-e2-normal", "rt1", 26, 1)));
        await("the Flag of rt1 inactive", WAIT, () -> ehr.flags("rt1").get(0).getStatus() == Flag.FlagStatus.INACTIVE);
        await("the DetectedIssue of rt1 resolved", WAIT,
                () -> ehr.issues("rt1").get(0).getStatus() == DetectedIssue.DetectedIssueStatus.AMENDED);
        Flag inactiveFlag = ehr.flags("rt1").get(0);
        assertNotNull(inactiveFlag.getPeriod().getEnd(), "period.end says when it stopped");
        DetectedIssue resolved = ehr.issues("rt1").get(0);
        assertEquals(1, ehr.issues("rt1").size(), "resolved in place, not duplicated");
        assertEquals(1, resolved.getMitigation().size());
        DetectedIssue.DetectedIssueMitigationComponent mitigation = resolved.getMitigationFirstRep();
        assertEquals(WritebackPlanner.MITIGATION_CODE, mitigation.getAction().getCodingFirstRep().getCode());
        assertTrue(mitigation.getAction().getText().contains("latest estradiol 26"), mitigation.getAction().getText());
        assertFalse(mitigation.hasAuthor(), "R4 allows no Device as mitigation.author; the Provenance names it");
        await("the Provenance of the resolution", WAIT, () -> !ehr.provenancesOf(ehr.issues("rt1").get(0)).isEmpty());
        Provenance resolution = ehr.provenancesOf(resolved).get(0);

        // everything the write-back produced, as the EHR holds it, is valid R4 and meets e2guard's profiles
        for (Resource r : List.of(active, resolved, activeFlag, inactiveFlag, provenance, resolution)) {
            List<SingleValidationMessage> errors = ValidationAssertions.errors(validation.validator().validate(r)).stream()
                    .filter(m -> !crossVersionStatus(m)).toList();
            assertEquals(List.of(), errors.stream().map(m -> m.getLocationString() + ": " + m.getMessage()).toList(),
                    r.fhirType() + " " + r.getIdElement().getValue() + " is valid");
        }
    }

    /**
     * The one message the offline validator gives on a resolved DetectedIssue: the R5 status
     * ("mitigated") as a cross-version extension on R4's status element. Such extensions are valid
     * R4 (implicitly defined by the spec, and the real server stores it), but checking one needs the
     * R5 definitions, which the offline validator does not load.
     */
    private static boolean crossVersionStatus(SingleValidationMessage m) {
        return m.getLocationString().startsWith("DetectedIssue.status.extension")
                && m.getMessage().contains(WritebackPlanner.R5_STATUS_EXTENSION);
    }

    @Test
    void twoResultsSecondsApartBothCount() {
        List<Resource> chart = new ArrayList<>(Fixtures.manOnAnastrozole("fresh1"));
        chart.add(Fixtures.estradiol("fresh1-e2-a", "fresh1", 9, 3));
        ehr.post(chart);
        await("the finding on 9 pg/mL", WAIT, () -> evidence("fresh1").equals("Observation/fresh1-e2-a"));
        assertTrue(ehr.issues("fresh1").get(0).getDetail().contains("9 pg/mL"), ehr.issues("fresh1").get(0).getDetail());

        // seconds later the next result: e2guard's search for the patient's estradiols is the same
        // search as a moment ago, which HAPI would answer from its cache without Cache-Control: no-cache
        Observation second = Fixtures.estradiol("fresh1-e2-b", "fresh1", 5, 1);
        ehr.post(List.of(second));
        await("the finding on 5 pg/mL", WAIT, () -> evidence("fresh1").equals("Observation/fresh1-e2-b"));
        assertTrue(ehr.issues("fresh1").get(0).getDetail().contains("5 pg/mL"), ehr.issues("fresh1").get(0).getDetail());
        assertEquals(1, ehr.issues("fresh1").size(), "the same finding, updated");
    }

    private String evidence(String pid) {
        List<DetectedIssue> issues = ehr.issues(pid);
        return issues.isEmpty() ? "" : issues.get(0).getEvidenceFirstRep().getDetailFirstRep().getReference();
    }
}
