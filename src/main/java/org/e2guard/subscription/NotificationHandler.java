package org.e2guard.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrException;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.Subjects;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.outbox.JobHandler;
import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.OutboxJob;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns a stored notification into work: the patients it concerns are queued for re-evaluation.
 * A full resource names its patient; a deletion is looked up in the resource-to-patient index; an
 * empty notification says only "something changed", so it runs the catch-up sync; a topic-based
 * notification carries resources or focus references (fetched when only referenced), and event
 * numbers whose gaps reveal lost notifications, recovered with {@code Subscription/$events} or,
 * where the EHR does not offer it, the catch-up sync.
 */
@ApplicationScoped
public class NotificationHandler implements JobHandler {
    private static final Logger LOG = Logger.getLogger(NotificationHandler.class);

    private final EhrRegistry ehrs;
    private final FhirContext ctx;
    private final ResourcePatientIndex index;
    private final PatientQueue patients;
    private final SyncStateStore state;
    private final Clock clock;
    private final ObjectMapper json;

    public NotificationHandler(EhrRegistry ehrs, FhirContext ctx, ResourcePatientIndex index, PatientQueue patients,
                               SyncStateStore state, Clock clock, ObjectMapper json) {
        this.ehrs = ehrs;
        this.ctx = ctx;
        this.index = index;
        this.patients = patients;
        this.state = state;
        this.clock = clock;
        this.json = json;
    }

    @Override
    public String kind() {
        return Kinds.NOTIFICATION;
    }

    @Override
    public void handle(OutboxJob job) {
        Ehr ehr = ehrs.find(job.ehr()).orElseThrow();
        Notification n = Notification.fromJson(json, job.payload());
        Instant arrived = job.receivedAt();
        switch (n.kind()) {
            case Notification.KIND_RESOURCE -> {
                if (n.body() != null) {
                    changed(ehr, arrived, (Resource) ctx.newJsonParser().parseResource(n.body()));
                } else {
                    changed(ehr, arrived, n.type() + "/" + n.id());
                }
            }
            case Notification.KIND_DELETE -> deleted(ehr, arrived, n.type(), n.id());
            case Notification.KIND_EMPTY -> patients.syncNow(ehr.name());
            case Notification.KIND_BUNDLE -> bundle(ehr, arrived, ctx.newJsonParser().parseResource(Bundle.class, n.body()));
            default -> throw new IllegalStateException("unknown notification kind " + n.kind());
        }
    }

    /**
     * Handles a notification that carries its resource, at once, when the resource names its patient:
     * the patient's row (debounced) is then the durable record of the event, and no notification row
     * has to be stored, claimed and run first. False when it needs the queue (no patient subject).
     */
    public boolean handleNow(Ehr ehr, Resource r, Instant arrived) {
        if (Subjects.patientId(r) == null) {
            return false;
        }
        changed(ehr, arrived, r);
        return true;
    }

    private void changed(Ehr ehr, Instant arrived, Resource r) {
        String patient = Subjects.patientId(r);
        if (patient == null) {
            LOG.debugf("EHR %s: a %s without a patient subject changed; nothing to re-evaluate", ehr.name(), r.fhirType());
            return;
        }
        index.record(ehr.name(), List.of(r));
        patients.changed(ehr.name(), patient, arrived);
    }

    /** A resource known only by reference: its patient from the index, else from the EHR. */
    private void changed(Ehr ehr, Instant arrived, String reference) {
        String typeAndId = ResourceIndex.typeAndId(reference);
        String[] parts = typeAndId.split("/");
        if (parts.length != 2) {
            return;
        }
        Optional<String> known = index.patientOf(ehr.name(), parts[0], parts[1]);
        if (parts[0].equals("Patient")) {
            patients.changed(ehr.name(), parts[1], arrived);
            return;
        }
        try {
            Resource r = (Resource) ehr.client().read().resource(parts[0]).withId(parts[1]).execute();
            changed(ehr, arrived, r);
        } catch (RuntimeException e) {
            EhrException failure = EhrException.of(e);
            if (failure.reason() != EhrException.Reason.NOT_FOUND) {
                throw failure;
            }
            // gone already: treat as a deletion
            known.ifPresent(p -> patients.changed(ehr.name(), p, arrived));
        }
    }

    private void deleted(Ehr ehr, Instant arrived, String type, String id) {
        Optional<String> patient = index.patientOf(ehr.name(), type, id);
        if (patient.isPresent()) {
            patients.changed(ehr.name(), patient.get(), arrived);
            index.forget(ehr.name(), type, id);
        } else {
            LOG.infof("EHR %s: deletion of a %s e2guard has not seen; no patient to re-evaluate", ehr.name(), type);
        }
    }

    private void bundle(Ehr ehr, Instant arrived, Bundle bundle) {
        BackportStatus status = BackportStatus.of(bundle);
        if (status == null) {
            throw new IllegalStateException("stored notification bundle without a subscription status");
        }
        contents(ehr, arrived, bundle, status);
        if ("query-status".equals(status.type())) {
            return;
        }
        long last = state.lastEventNumber(ehr.name(), status.subscription()).orElse(0L);
        Long highest = status.eventsSinceStart();
        Long lowest = null;
        for (BackportStatus.Event e : status.events()) {
            if (e.number() != null) {
                highest = highest == null || e.number() > highest ? e.number() : highest;
                lowest = lowest == null || e.number() < lowest ? e.number() : lowest;
            }
        }
        if (!"handshake".equals(status.type())) {
            long gapTo = lowest != null ? lowest - 1 : highest != null ? highest : last;
            if (gapTo > last) {
                recover(ehr, arrived, status.subscription(), last + 1, gapTo);
            }
        }
        if (highest != null) {
            state.saveEventNumber(ehr.name(), status.subscription(), highest, clock.instant());
        }
    }

    /** The resources a notification carries, and the focus of events that carry none. */
    private void contents(Ehr ehr, Instant arrived, Bundle bundle, BackportStatus status) {
        Set<String> carried = new HashSet<>();
        for (int i = 1; i < bundle.getEntry().size(); i++) {
            Bundle.BundleEntryComponent e = bundle.getEntry().get(i);
            if (e.getResource() != null) {
                carried.add(e.getResource().fhirType() + "/" + e.getResource().getIdElement().getIdPart());
                changed(ehr, arrived, e.getResource());
            } else if (e.hasFullUrl() && !e.getFullUrl().startsWith("urn:")) {
                // id-only content: the entry names the resource
                carried.add(ResourceIndex.typeAndId(e.getFullUrl()));
                changed(ehr, arrived, e.getFullUrl());
            }
        }
        for (BackportStatus.Event e : status.events()) {
            if (e.focus() != null && !carried.contains(ResourceIndex.typeAndId(e.focus()))) {
                changed(ehr, arrived, e.focus());
            }
        }
    }

    /**
     * Events from..to never arrived: ask the EHR for them ({@code $events}, Backport IG); an EHR
     * without the operation gets the catch-up sync instead. An unavailable EHR fails the row, which
     * is retried, so the gap is not forgotten.
     */
    private void recover(Ehr ehr, Instant arrived, String subscription, long from, long to) {
        String id = ResourceIndex.typeAndId(subscription);
        id = id.substring(id.indexOf('/') + 1);
        LOG.infof("EHR %s: notification events %d..%d of a subscription never arrived; recovering", ehr.name(), from, to);
        try {
            Parameters in = new Parameters();
            in.addParameter("eventsSinceNumber", new StringType(Long.toString(from)));
            in.addParameter("eventsUntilNumber", new StringType(Long.toString(to)));
            in.addParameter("content", new CodeType("full-resource"));
            Bundle events = ehr.client().operation().onInstance(new IdType("Subscription", id)).named("$events")
                    .withParameters(in).useHttpGet().returnResourceType(Bundle.class).execute();
            BackportStatus status = BackportStatus.of(events);
            if (status == null) {
                patients.syncNow(ehr.name());
                return;
            }
            contents(ehr, arrived, events, status);
        } catch (RuntimeException e) {
            EhrException failure = EhrException.of(e);
            if (failure.unavailable()) {
                throw failure;
            }
            LOG.infof("EHR %s: $events not available (%s); running the catch-up sync instead", ehr.name(), failure.getMessage());
            patients.syncNow(ehr.name());
        }
    }
}
