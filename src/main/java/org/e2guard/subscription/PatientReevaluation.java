package org.e2guard.subscription;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.PatientContextFetcher;
import org.e2guard.engine.Evaluation;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.mapping.record.PatientGroup;
import org.e2guard.mapping.record.PatientGrouper;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.outbox.JobHandler;
import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.OutboxJob;
import org.e2guard.timeline.PatientRecord;
import org.e2guard.writeback.WritebackService;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The patient row of the outbox: read the patient's context from the EHR, evaluate it through
 * {@link EvaluationService} (the one path every door takes), and write back the difference from
 * what the EHR last got. Re-running it is harmless: an unchanged patient writes nothing.
 */
@ApplicationScoped
public class PatientReevaluation implements JobHandler {
    private static final Logger LOG = Logger.getLogger(PatientReevaluation.class);

    private final EhrRegistry ehrs;
    private final PatientContextFetcher fetcher;
    private final ResourcePatientIndex index;
    private final EvaluationService evaluation;
    private final WritebackService writeback;
    private final Clock clock;
    private final ObjectMapper json;
    private final Timer delay;

    public PatientReevaluation(EhrRegistry ehrs, PatientContextFetcher fetcher, ResourcePatientIndex index,
                               EvaluationService evaluation, WritebackService writeback, Clock clock, ObjectMapper json,
                               MeterRegistry metrics) {
        this.delay = Timer.builder("e2guard.writeback.delay")
                .description("From a notification's arrival to its patient's write-back done (debounce included)")
                .register(metrics);
        this.ehrs = ehrs;
        this.fetcher = fetcher;
        this.index = index;
        this.evaluation = evaluation;
        this.writeback = writeback;
        this.clock = clock;
        this.json = json;
    }

    @Override
    public String kind() {
        return Kinds.PATIENT;
    }

    @Override
    public void handle(OutboxJob job) {
        Ehr ehr = ehrs.find(job.ehr()).orElseThrow();
        PatientQueue.Request request = PatientQueue.Request.parse(json, job.payload());
        Instant asOf = request.asOf() == null ? clock.instant() : Instant.parse(request.asOf());
        String door = request.door() == null ? "subscription" : request.door();
        Optional<PatientContextFetcher.Context> context = fetcher.fetch(ehr, job.key());
        if (context.isEmpty()) {
            LOG.infof("EHR %s: patient of outbox row %d no longer exists; nothing to evaluate", ehr.name(), job.id());
            return;
        }
        index.record(ehr.name(), context.get().resources());
        Evaluated e = evaluate(context.get(), asOf, door);
        WritebackService.Result result = writeback.apply(ehr, job.key(), e.evaluation(), e::record, asOf, job.receivedAt());
        if (job.receivedAt() != null) {
            // unchanged patients count too: the notification was answered, with nothing to write
            delay.record(Duration.between(job.receivedAt(), clock.instant()));
        }
        LOG.debugf("EHR %s outbox row %d: %d finding(s), %d write(s), %d resolved", ehr.name(), job.id(),
                e.evaluation().findings().size(), result.written(), result.resolved());
    }

    /** An evaluation, and the timeline it was made from on demand (the resolution text quotes it). */
    public final class Evaluated {
        private final Evaluation evaluation;
        private final PatientGroup group;
        private final ResourceIndex resources;
        private PatientRecord record;

        Evaluated(Evaluation evaluation, PatientGroup group, ResourceIndex resources) {
            this.evaluation = evaluation;
            this.group = group;
            this.resources = resources;
        }

        public Evaluation evaluation() {
            return evaluation;
        }

        /** The patient's timeline, mapped again only when asked for. */
        public PatientRecord record() {
            if (record == null) {
                record = PatientReevaluation.this.evaluation.mapper().map(group, resources).record();
            }
            return record;
        }
    }

    /** Evaluates the fetched patient through the shared EvaluationService. */
    public Evaluated evaluate(PatientContextFetcher.Context context, Instant asOf, String door) {
        ResourceIndex resources = context.index();
        String patientRef = "Patient/" + context.patientId();
        PatientGroup group = PatientGrouper.group(resources).groups().stream()
                .filter(g -> g.patientRef().equals(patientRef)).findFirst()
                .orElseGet(() -> new PatientGroup(patientRef, context.patient(), java.util.List.of()));
        Evaluation e = evaluation.evaluate(group, resources, asOf, null, door);
        return new Evaluated(e, group, resources);
    }
}
