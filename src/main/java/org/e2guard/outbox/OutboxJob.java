package org.e2guard.outbox;

import java.time.Instant;

/**
 * A claimed outbox row: the work, and the claim (owner and version) that completing or failing it
 * must present.
 *
 * @param key      what the row coalesces on: a patient id, a notification id, the EHR itself
 * @param version  how many times the row was enqueued; a newer version arriving while this one runs
 *                 keeps the row for another run
 * @param attempts attempts so far, this one included
 * @param receivedAt when the earliest notification behind this run arrived at e2guard (null: no
 *                 notification caused it, or it was claimed before by a replica that died)
 */
public record OutboxJob(long id, String ehr, String kind, String key, String payload, int version, int attempts,
                        Instant createdAt, String owner, Instant receivedAt) {
}
