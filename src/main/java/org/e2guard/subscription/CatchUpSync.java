package org.e2guard.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.PatientContextFetcher;
import org.e2guard.ehr.RuleCodes;
import org.e2guard.ehr.Subjects;
import org.e2guard.outbox.JobHandler;
import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.Outbox;
import org.e2guard.outbox.OutboxJob;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Resource;
import org.jboss.logging.Logger;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.gclient.IQuery;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The catch-up sync: searches the EHR for the subscribed resource types changed since the last
 * sync point ({@code _lastUpdated=gt...}, per EHR and type, kept in the database) and queues their
 * patients. It runs periodically even when push works, because servers lose notifications (HAPI
 * FHIR gives up a delivery after a minute of retries, forgets queued retries on restart, and
 * leaves the Subscription {@code active} all the same); for an EHR that cannot push it is the
 * whole mechanism. The sync point is the newest {@code meta.lastUpdated} seen, so e2guard's and
 * the EHR's clocks never need to agree; each run re-reads a short overlap before it.
 */
@ApplicationScoped
public class CatchUpSync implements JobHandler {
    private static final Logger LOG = Logger.getLogger(CatchUpSync.class);
    /** The types e2guard subscribes to; the sync covers exactly what push would have delivered. */
    static final List<String> TYPES = List.of("Observation", "MedicationStatement", "MedicationRequest", "Procedure");

    private final EhrRegistry ehrs;
    private final RuleCodes codes;
    private final SyncStateStore state;
    private final ResourcePatientIndex index;
    private final PatientQueue patients;
    private final Outbox outbox;
    private final Clock clock;

    public CatchUpSync(EhrRegistry ehrs, RuleCodes codes, SyncStateStore state, ResourcePatientIndex index,
                       PatientQueue patients, Outbox outbox, Clock clock) {
        this.ehrs = ehrs;
        this.codes = codes;
        this.state = state;
        this.index = index;
        this.patients = patients;
        this.outbox = outbox;
        this.clock = clock;
    }

    @Override
    public String kind() {
        return Kinds.SYNC;
    }

    @Override
    public void handle(OutboxJob job) {
        Ehr ehr = ehrs.find(job.ehr()).orElseThrow();
        int queued = 0;
        for (String type : TYPES) {
            queued += sync(ehr, type, job);
        }
        LOG.debugf("EHR %s catch-up sync: %d change(s) queued", ehr.name(), queued);
    }

    private int sync(Ehr ehr, String type, OutboxJob job) {
        Instant started = clock.instant();
        Instant since = state.syncedUntil(ehr.name(), type)
                .orElse(started.minus(ehr.config().sync().initialLookback()));
        Instant from = since.minus(ehr.config().sync().overlap());
        Instant newest = since;
        int queued = 0;
        List<List<Coding>> chunks = switch (type) {
            case "Observation" -> RuleCodes.chunks(codes.subscribedObservations());
            case "Procedure" -> RuleCodes.chunks(codes.dxaProcedures());
            default -> java.util.Collections.singletonList(null);
        };
        for (List<Coding> chunk : chunks) {
            IQuery<?> query = ehr.client().search().forResource(type)
                    .lastUpdated(new DateRangeParam(new DateParam(ParamPrefixEnum.GREATERTHAN,
                            new org.hl7.fhir.r4.model.InstantType(Date.from(from), TemporalPrecisionEnum.MILLI,
                                    java.util.TimeZone.getTimeZone("UTC")).getValueAsString())));
            if (chunk != null) {
                query = query.where(new TokenClientParam("code").exactly().codings(chunk.toArray(Coding[]::new)));
            }
            List<Resource> changed = PatientContextFetcher.all(ehr, query);
            index.record(ehr.name(), changed);
            for (Resource r : changed) {
                if (!r.fhirType().equals(type)) {
                    continue;
                }
                String patient = Subjects.patientId(r);
                if (patient != null) {
                    patients.changed(ehr.name(), patient);
                    queued++;
                }
                Date updated = r.getMeta().getLastUpdated();
                if (updated != null && updated.toInstant().isAfter(newest)) {
                    newest = updated.toInstant();
                }
            }
        }
        state.save(ehr.name(), type, newest, clock.instant());
        return queued;
    }
}
