package org.e2guard.outbox;

/**
 * Runs one kind of outbox work. Returning normally completes the row; throwing schedules a retry
 * with back-off (an {@link org.e2guard.ehr.EhrException} says why, and whether it counts against
 * the EHR's circuit breaker). Handlers must be idempotent: a row can run again after a crash.
 */
public interface JobHandler {

    /** The {@code kind} of rows this handler runs. */
    String kind();

    void handle(OutboxJob job);
}
