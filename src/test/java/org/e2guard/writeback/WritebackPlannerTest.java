package org.e2guard.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.engine.Action;
import org.e2guard.engine.Engine;
import org.e2guard.engine.Evaluation;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.engine.RuleMode;
import org.e2guard.engine.RuleModes;
import org.e2guard.engine.Severity;
import org.e2guard.engine.Source;
import org.e2guard.fhir.FhirSupport;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.timeline.PatientRecord;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;

/** What the planner decides to write, given what was written before. */
class WritebackPlannerTest {
    static final FhirContext CTX = FhirSupport.newContext();
    static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");
    final WritebackPlanner planner = new WritebackPlanner(new FindingResources("test"), CTX);

    static Finding e1(Severity severity, double pgPerMl, Instant asOf) {
        long days = ChronoUnit.DAYS.between(Instant.parse("2025-10-01T00:00:00Z"), asOf);
        return new Finding(Rule.E1, severity, "Patient/p1", Engine.RULESET_VERSION,
                "Estradiol " + pgPerMl + " pg/mL after " + days + " days on anastrozole",
                List.of(new Finding.Observed("Estradiol", pgPerMl + " pg/mL",
                        Instant.parse("2026-10-20T08:00:00Z"), "Observation/e2")),
                "< 20 pg/mL", new Finding.Window(Instant.parse("2025-10-01T00:00:00Z"), asOf, "since the start"),
                List.of("Observation/e2"), List.of("MedicationStatement/ai"), List.of(Action.ORDER_DXA),
                List.of(Source.values()[0]), List.of());
    }

    static Evaluation evaluation(Instant asOf, Finding... findings) {
        return new Evaluation("Patient/p1", asOf, Engine.RULESET_VERSION, List.of(findings), List.of());
    }

    /** What the EHR holds once a plan is written (ids as a server would assign them). */
    List<WrittenState> written(List<WrittenState> before, List<PlannedWrite> plan) {
        List<WrittenState> out = new ArrayList<>(before);
        for (PlannedWrite w : plan) {
            out.removeIf(s -> s.resourceType().equals(w.resourceType()) && s.identifier().equals(w.identifier()));
            out.add(new WrittenState(w.resourceType(), w.identifier(), "p1", w.rule(), w.status(), w.hash(),
                    "ehr-" + w.identifier(), "1", w.firstIdentified(), CTX.newJsonParser().encodeResourceToString(w.resource()), T0));
        }
        return out;
    }

    @Test
    void aNewFindingWritesItsDetectedIssueThenTheFlag() {
        List<PlannedWrite> plan = planner.plan(evaluation(T0, e1(Severity.MODERATE, 14, T0)), () -> null, List.of(), T0, T0);
        assertEquals(List.of("DetectedIssue", "Flag"), plan.stream().map(PlannedWrite::resourceType).toList());
        assertEquals(WrittenState.ACTIVE, plan.get(0).status());
    }

    @Test
    void reEvaluatingAnUnchangedRecordLaterWritesNothing() {
        List<PlannedWrite> first = planner.plan(evaluation(T0, e1(Severity.MODERATE, 14, T0)), () -> null, List.of(), T0, T0);
        Instant later = T0.plus(3, ChronoUnit.DAYS);
        // the window end and the day count in the summary moved with the evaluation time; nothing else did
        List<PlannedWrite> again = planner.plan(evaluation(later, e1(Severity.MODERATE, 14, later)), () -> null,
                written(List.of(), first), later, later);
        assertEquals(List.of(), again);
    }

    @Test
    void aChangedFindingRewritesItsDetectedIssueKeepingWhenItWasFirstIdentified() {
        List<PlannedWrite> first = planner.plan(evaluation(T0, e1(Severity.MODERATE, 14, T0)), () -> null, List.of(), T0, T0);
        Instant later = T0.plus(1, ChronoUnit.DAYS);
        List<PlannedWrite> again = planner.plan(evaluation(later, e1(Severity.HIGH, 8, later)), () -> null,
                written(List.of(), first), later, later);
        assertEquals(List.of("DetectedIssue"), again.stream().map(PlannedWrite::resourceType).toList(),
                "the Flag says which rules fire, and that did not change");
        DetectedIssue di = (DetectedIssue) again.get(0).resource();
        assertEquals(T0, di.getIdentifiedDateTimeType().getValue().toInstant());
        assertEquals("high", di.getSeverity().toCode());
    }

    @Test
    void aRuleTurnedOffResolvesWhatItWroteWithTheTurnedOffMitigation_andASilentOneWritesNothing() {
        List<PlannedWrite> first = planner.plan(evaluation(T0, e1(Severity.MODERATE, 14, T0)), () -> null, List.of(), T0, T0);
        Instant later = T0.plus(1, ChronoUnit.DAYS);
        // an off rule's finding never reaches the planner: EvaluationService drops it
        WritebackPlanner off = new WritebackPlanner(new FindingResources("test"), CTX,
                new RuleModes(java.util.Map.of(Rule.E1, RuleMode.OFF)));
        List<PlannedWrite> resolved = off.plan(evaluation(later), () -> null, written(List.of(), first), later, later);
        assertEquals(List.of("DetectedIssue", "Flag"), resolved.stream().map(PlannedWrite::resourceType).toList());
        DetectedIssue di = (DetectedIssue) resolved.get(0).resource();
        assertEquals(WritebackPlanner.MITIGATION_TURNED_OFF, di.getMitigationFirstRep().getAction().getCodingFirstRep().getCode());
        assertTrue(di.getMitigationFirstRep().getAction().getText().startsWith("Rule E1 was turned off"));

        WritebackPlanner silent = new WritebackPlanner(new FindingResources("test"), CTX,
                new RuleModes(java.util.Map.of(Rule.E1, RuleMode.SILENT)));
        assertEquals(List.of(), silent.plan(evaluation(T0, e1(Severity.MODERATE, 14, T0)), () -> null, List.of(), T0, T0),
                "a silent rule's finding is never written");
    }

    @Test
    void aDeceasedPatientsOpenFindingsResolveWithThePatientDeceasedMitigation() {
        List<PlannedWrite> first = planner.plan(evaluation(T0, e1(Severity.MODERATE, 14, T0)), () -> null, List.of(), T0, T0);
        Instant later = T0.plus(2, ChronoUnit.DAYS);
        PatientRecord deceased = new PatientRecord("Patient/p1", PatientRecord.Gender.MALE, null,
                new PatientRecord.Death(null), List.of(), List.of(), List.of(), List.of(), List.of());
        List<PlannedWrite> resolved = planner.plan(evaluation(later), () -> deceased, written(List.of(), first), later, later);
        assertEquals(List.of("DetectedIssue", "Flag"), resolved.stream().map(PlannedWrite::resourceType).toList());
        DetectedIssue di = (DetectedIssue) resolved.get(0).resource();
        assertEquals(WritebackPlanner.MITIGATION_DECEASED, di.getMitigationFirstRep().getAction().getCodingFirstRep().getCode());
        assertTrue(di.getMitigationFirstRep().getAction().getText().endsWith(": patient deceased."));
        assertEquals(Flag.FlagStatus.INACTIVE, ((Flag) resolved.get(1).resource()).getStatus());
    }

    @Test
    void aFindingThatStopsFiringIsResolvedAndTheFlagInactivated() {
        List<PlannedWrite> first = planner.plan(evaluation(T0, e1(Severity.MODERATE, 14, T0)), () -> null, List.of(), T0, T0);
        Instant later = T0.plus(2, ChronoUnit.DAYS);
        List<PlannedWrite> resolved = planner.plan(evaluation(later), () -> null, written(List.of(), first), later, later);
        assertEquals(List.of("DetectedIssue", "Flag"), resolved.stream().map(PlannedWrite::resourceType).toList());
        DetectedIssue di = (DetectedIssue) resolved.get(0).resource();
        assertEquals(DetectedIssue.DetectedIssueStatus.AMENDED, di.getStatus());
        assertTrue(di.getMitigationFirstRep().getAction().getText().startsWith("No longer fires on re-evaluation at 2026-11-03T10:00:00Z"));
        Flag flag = (Flag) resolved.get(1).resource();
        assertEquals(Flag.FlagStatus.INACTIVE, flag.getStatus());
        assertEquals(later, flag.getPeriod().getEnd().toInstant());
        assertEquals(T0, flag.getPeriod().getStart().toInstant());

        // resolved stays resolved: nothing more to write
        List<WrittenState> after = written(written(List.of(), first), resolved);
        assertEquals(List.of(), planner.plan(evaluation(later.plusSeconds(60)), () -> null, after, later, later));
        // and a finding that fires again is a new activation
        Instant again = later.plus(5, ChronoUnit.DAYS);
        List<PlannedWrite> refire = planner.plan(evaluation(again, e1(Severity.MODERATE, 12, again)), () -> null, after, again, again);
        assertEquals(List.of("DetectedIssue", "Flag"), refire.stream().map(PlannedWrite::resourceType).toList());
        assertEquals(again, ((DetectedIssue) refire.get(0).resource()).getIdentifiedDateTimeType().getValue().toInstant());
    }
}
