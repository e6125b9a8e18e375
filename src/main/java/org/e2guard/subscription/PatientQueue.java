package org.e2guard.subscription;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;

import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.Outbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Queues a patient for re-evaluation and write-back: one outbox row per patient and EHR, due after
 * the debounce, so that a burst of changes for one patient becomes one evaluation.
 */
@ApplicationScoped
public class PatientQueue {
    /** What the patient row carries: the metric door, and an explicit evaluation time if one was asked for. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Request(String door, String asOf) {
        public static Request parse(ObjectMapper json, String text) {
            if (text == null || text.isBlank()) {
                return new Request(null, null);
            }
            try {
                return json.readValue(text, Request.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String toJson(ObjectMapper json) {
            try {
                return json.writeValueAsString(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final Outbox outbox;
    private final Clock clock;
    private final SubscriptionConfig config;
    private final ObjectMapper json;

    public PatientQueue(Outbox outbox, Clock clock, SubscriptionConfig config, ObjectMapper json) {
        this.outbox = outbox;
        this.clock = clock;
        this.config = config;
        this.json = json;
    }

    /** A change for the patient was seen: re-evaluate after the debounce. */
    public void changed(String ehr, String patientId) {
        changed(ehr, patientId, null);
    }

    /**
     * A change for the patient was notified: re-evaluate after the debounce, remembering when the
     * notification arrived (null: unknown) so the write-back delay can be measured from it.
     */
    public void changed(String ehr, String patientId, Instant notifiedAt) {
        outbox.enqueue(ehr, Kinds.PATIENT, patientId, new Request("subscription", null).toJson(json),
                clock.instant().plus(config.debounce()), notifiedAt);
    }

    /** An explicit request (Patient/$evaluate with writeBack): write back now, at that evaluation time. */
    public void requested(String ehr, String patientId, String door, Instant asOf) {
        outbox.enqueue(ehr, Kinds.PATIENT, patientId, new Request(door, asOf == null ? null : asOf.toString()).toJson(json),
                clock.instant());
    }

    /** Something changed that cannot be pinned to a patient: run the catch-up sync now. */
    public void syncNow(String ehr) {
        outbox.enqueue(ehr, Kinds.SYNC, Kinds.EHR_KEY, null, clock.instant());
    }
}
