package org.e2guard.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

import org.e2guard.timeline.DraftOrder;
import org.e2guard.timeline.PatientRecord;

/**
 * The rules engine: a pure, deterministic function of a patient's normalised timeline, the
 * evaluation instant and (for order hooks) the order under review. No I/O, no framework, no
 * clock: the same inputs always give the same findings.
 */
public final class Engine {
    /** The version of RULES.md implemented here; every finding carries it. */
    public static final String RULESET_VERSION = "1.2.0";

    private static final Comparator<Finding> ORDER = Comparator.comparing(Finding::severity)
            .thenComparing(Finding::rule);

    private final RuleParameters parameters;

    public Engine(RuleParameters parameters) {
        this.parameters = Objects.requireNonNull(parameters);
    }

    public RuleParameters parameters() {
        return parameters;
    }

    /**
     * Whether the patient is in the population the rules watch at {@code asOf}: alive and in (or
     * recently out of) a run of aromatase inhibitor exposure, as the rules themselves judge it. The
     * denominator of firing rates (a population dry run, the rule statistics).
     */
    public boolean onAromataseInhibitor(PatientRecord record, Instant asOf) {
        return !record.deceasedBy(asOf) && new Situation(record, asOf, parameters, RULESET_VERSION).ai != null;
    }

    public Evaluation evaluate(PatientRecord record, Instant asOf) {
        return evaluate(record, asOf, null);
    }

    /**
     * @param order a draft order under review (rule O1), or null
     */
    public Evaluation evaluate(PatientRecord record, Instant asOf, DraftOrder order) {
        if (record.deceasedBy(asOf)) {
            // RULES.md §1: never a finding for a deceased patient; say so once, as information
            Notice notice = Notice.info(record.patientRef(), "Patient.deceased[x]",
                    "The patient is recorded as deceased" + (record.death().at() == null ? "" : " (" + record.death().at() + ")")
                            + ": not evaluated, no findings.");
            return new Evaluation(record.patientRef(), asOf, RULESET_VERSION, List.of(), List.of(notice));
        }
        Situation s = new Situation(record, asOf, parameters, RULESET_VERSION);
        List<Finding> findings = new ArrayList<>();
        EstradiolRules.apply(s, findings);
        BoneRules.apply(s, findings);
        MonitoringRules.apply(s, findings);
        DoseRules.apply(s, findings);
        OrderRule.apply(s, order, findings);
        findings.sort(ORDER);
        return new Evaluation(record.patientRef(), asOf, RULESET_VERSION, findings, s.notices);
    }
}
