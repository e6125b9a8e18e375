package org.e2guard.evaluation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.engine.Engine;
import org.e2guard.engine.Evaluation;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Notice;
import org.e2guard.engine.RuleMode;
import org.e2guard.engine.RuleModes;
import org.e2guard.mapping.record.PatientGroup;
import org.e2guard.mapping.record.PatientGrouper;
import org.e2guard.mapping.record.RecordMapper;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.timeline.DraftOrder;
import org.e2guard.timeline.PatientRecord;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The one path every door takes: FHIR resources to per-patient timelines to findings. The
 * $evaluate operation, CDS Hooks and the EHR subscription all call this.
 */
@ApplicationScoped
public class EvaluationService {
    private static final Logger LOG = Logger.getLogger(EvaluationService.class);

    /** The evaluations of every patient in an input, and what was ignored on the way in. */
    public record Report(List<Evaluation> evaluations, List<Notice> notices) {
    }

    /** What the rules would read from an input, per patient, and what was left out and why. */
    public record Intake(List<PatientIntake> patients, List<Notice> notices) {
    }

    /** One patient's resources and the timeline the rules would read from them. */
    public record PatientIntake(PatientGroup group, PatientRecord record) {
    }

    private final Engine engine;
    private final RecordMapper mapper;
    private final RuleModes modes;
    private final RuleStatistics statistics;

    /** Without a database (the population command line, benchmarks): counts go to {@code metrics} only. */
    public EvaluationService(RulesConfig rules, Terminology terminology, MeterRegistry metrics) {
        this(rules, terminology, RuleStatistics.metricsOnly(metrics, rules));
    }

    @Inject
    public EvaluationService(RulesConfig rules, Terminology terminology, RuleStatistics statistics) {
        this.engine = new Engine(rules.toParameters());
        this.mapper = new RecordMapper(terminology);
        this.modes = rules.modes();
        this.statistics = statistics;
    }

    /** Every rule's deployment mode, as the doors apply it to what they show and write. */
    public RuleModes modes() {
        return modes;
    }

    public RecordMapper mapper() {
        return mapper;
    }

    /** Evaluates every patient among the resources. */
    public Report evaluate(ResourceIndex index, Instant asOf, String door) {
        PatientGrouper.Grouped grouped = PatientGrouper.group(index);
        List<Notice> notices = new ArrayList<>(grouped.notices());
        List<Evaluation> evaluations = new ArrayList<>(grouped.groups().size());
        List<List<Finding>> counted = new ArrayList<>(grouped.groups().size());
        for (PatientGroup group : grouped.groups()) {
            Evaluation e = run(group, index, asOf, null, door);
            notices.addAll(e.notices());
            evaluations.add(e);
            counted.add(e.findings());
        }
        // one statistics write for the whole input: a Bundle of many patients costs one transaction
        statistics.evaluated(door, counted);
        return new Report(evaluations, notices);
    }

    /**
     * The input as the rules would see it, without evaluating it (no findings, no metrics): the
     * same grouping and mapping as {@link #evaluate(ResourceIndex, Instant, String)}, for
     * {@code $validate} to tell an integrator what e2guard reads and ignores.
     */
    public Intake intake(ResourceIndex index) {
        PatientGrouper.Grouped grouped = PatientGrouper.group(index);
        List<Notice> notices = new ArrayList<>(grouped.notices());
        List<PatientIntake> patients = new ArrayList<>(grouped.groups().size());
        for (PatientGroup group : grouped.groups()) {
            RecordMapper.Mapped mapped = mapper.map(group, index);
            notices.addAll(mapped.notices());
            patients.add(new PatientIntake(group, mapped.record()));
        }
        return new Intake(patients, notices);
    }

    /** Evaluates one patient, optionally with a draft order under review (rule O1). */
    public Evaluation evaluate(PatientGroup group, ResourceIndex index, Instant asOf, DraftOrder order, String door) {
        Evaluation e = run(group, index, asOf, order, door);
        statistics.evaluated(door, List.of(e.findings()));
        return e;
    }

    /** One patient's evaluation with the rules turned off dropped, not yet counted in the statistics. */
    private Evaluation run(PatientGroup group, ResourceIndex index, Instant asOf, DraftOrder order, String door) {
        RecordMapper.Mapped mapped = mapper.map(group, index);
        Evaluation e = engine.evaluate(mapped.record(), asOf, order);
        // the engine evaluates every rule; a rule turned off is dropped here, before anyone sees or counts it
        List<Finding> kept = e.findings().stream().filter(f -> modes.of(f.rule()) != RuleMode.OFF).toList();
        log(e, kept, door);
        if (mapped.notices().isEmpty() && kept.size() == e.findings().size()) {
            return e;
        }
        List<Notice> all = new ArrayList<>(mapped.notices());
        all.addAll(e.notices());
        return new Evaluation(e.patientRef(), e.asOf(), e.rulesetVersion(), kept, all);
    }

    private void log(Evaluation e, List<Finding> kept, String door) {
        // rule codes and counts only: never the patient reference, values or summaries
        if (LOG.isDebugEnabled()) {
            LOG.debugf("evaluated one patient via %s: %d finding(s) %s, %d notice(s)", door, kept.size(),
                    kept.stream().map(f -> f.rule().code() + "/" + f.severity().code() + "/" + modes.of(f.rule()).code())
                            .toList(),
                    e.notices().size());
        }
    }
}
