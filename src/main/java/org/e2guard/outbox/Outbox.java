package org.e2guard.outbox;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import org.e2guard.platform.db.Jdbc;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The durable outbox in e2guard's PostgreSQL: every piece of work towards an EHR is a row before
 * anything is attempted, so a restart or a dead replica loses nothing.
 *
 * <p>Several replicas share the table safely: a worker claims one due row with
 * {@code FOR UPDATE SKIP LOCKED} and sets a lease; nobody else claims it while the lease runs, and
 * an expired lease (a replica died mid-work) makes it claimable again. The lease is short (seconds)
 * and a live replica renews it while the row runs ({@link #renewLeases}), so a long row is never
 * taken from a working replica and a dead replica's rows come back within one lease. Rows coalesce on
 * {@code (ehr, kind, key)}: enqueueing work that is already queued updates the row (and its
 * version) instead of adding one.
 */
@ApplicationScoped
public class Outbox {
    public static final String PENDING = "pending";
    public static final String DEAD = "dead";

    private final Jdbc db;
    private final Clock clock;
    private final WritebackConfig config;
    private volatile Runnable onEnqueue = () -> {
    };

    public Outbox(Jdbc db, Clock clock, WritebackConfig config) {
        this.db = db;
        this.clock = clock;
        this.config = config;
    }

    /**
     * Queues work, due at {@code notBefore}. Already queued: the payload is replaced and the
     * version bumped; a pending row keeps the earlier due time (so a burst does not postpone it
     * forever), a row being worked on is due again at {@code notBefore}, a dead letter is revived.
     *
     * @return the row id
     */
    public long enqueue(String ehr, String kind, String key, String payload, Instant notBefore) {
        return enqueue(ehr, kind, key, payload, notBefore, null);
    }

    /**
     * Queues work caused by a notification that arrived at {@code receivedAt}: the row keeps the
     * earliest arrival not yet picked up by a worker ({@link OutboxJob#receivedAt()}).
     */
    public long enqueue(String ehr, String kind, String key, String payload, Instant notBefore, Instant receivedAt) {
        Instant now = clock.instant();
        String sql = """
                INSERT INTO ehr_outbox (ehr, kind, job_key, payload, next_attempt_at, created_at, updated_at, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?::timestamptz)
                ON CONFLICT (ehr, kind, job_key) DO UPDATE SET
                    payload = EXCLUDED.payload,
                    received_at = LEAST(ehr_outbox.received_at, EXCLUDED.received_at),
                    version = ehr_outbox.version + 1,
                    state = 'pending',
                    attempts = CASE WHEN ehr_outbox.state = 'dead' THEN 0 ELSE ehr_outbox.attempts END,
                    next_attempt_at = CASE
                        WHEN ehr_outbox.state = 'dead' THEN EXCLUDED.next_attempt_at
                        WHEN ehr_outbox.lease_until IS NOT NULL AND ehr_outbox.lease_until > ? THEN EXCLUDED.next_attempt_at
                        ELSE LEAST(ehr_outbox.next_attempt_at, EXCLUDED.next_attempt_at) END,
                    updated_at = EXCLUDED.updated_at
                RETURNING id""";
        long id = db.one(sql, rs -> rs.getLong(1), ehr, kind, key, payload, notBefore, now, now, receivedAt, now);
        onEnqueue.run();
        return id;
    }

    /** Called after every enqueue (the workers use it to wake up). */
    public void onEnqueue(Runnable listener) {
        this.onEnqueue = listener;
    }

    /**
     * Claims the most overdue row, skipping rows others hold and EHRs whose breaker is open. The
     * claim takes the row's notification arrival time along and clears it, so that notifications
     * arriving while the row runs start a new one for the next run.
     */
    public Optional<OutboxJob> claim(String owner, Collection<String> excludedEhrs) {
        Instant now = clock.instant();
        String sql = """
                WITH due AS (
                    SELECT id, received_at FROM ehr_outbox
                    WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
                      AND ehr <> ALL (?)
                    ORDER BY next_attempt_at, id
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                UPDATE ehr_outbox o SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?,
                    received_at = NULL
                FROM due WHERE o.id = due.id
                RETURNING o.id, o.ehr, o.kind, o.job_key, o.payload, o.version, o.attempts, o.created_at, due.received_at""";
        return db.first(sql, rs -> new OutboxJob(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getInt(6), rs.getInt(7), rs.getTimestamp(8).toInstant(), owner,
                        Jdbc.instant(rs, 9)),
                now, now, Jdbc.textArray(excludedEhrs), owner, now.plus(config.lease()), now);
    }

    /**
     * The heartbeat: every row this owner holds gets a full lease from now. Rows it completed,
     * failed or released hold no lease any more, and a row whose lease ran out and that another
     * replica claimed has another owner, so neither is touched.
     *
     * @return how many leases were renewed
     */
    public int renewLeases(String owner) {
        Instant now = clock.instant();
        return db.update("UPDATE ehr_outbox SET lease_until = ? WHERE lease_owner = ? AND lease_until IS NOT NULL",
                now.plus(config.lease()), owner);
    }

    /**
     * Done: the row goes, unless it was enqueued again meanwhile (a newer version), in which case
     * it stays for another run, due when that enqueue said.
     */
    public void complete(OutboxJob job) {
        int deleted = db.update("DELETE FROM ehr_outbox WHERE id = ? AND version = ? AND lease_owner = ?",
                job.id(), job.version(), job.owner());
        if (deleted == 0) {
            db.update("UPDATE ehr_outbox SET lease_owner = NULL, lease_until = NULL, attempts = 0, updated_at = ? "
                    + "WHERE id = ? AND lease_owner = ?", clock.instant(), job.id(), job.owner());
        }
    }

    /** Gives a claimed row back without counting the attempt (the EHR's breaker opened meanwhile). */
    public void release(OutboxJob job) {
        db.update("UPDATE ehr_outbox SET lease_owner = NULL, lease_until = NULL, attempts = GREATEST(attempts - 1, 0), "
                + "received_at = LEAST(received_at, ?::timestamptz) WHERE id = ? AND lease_owner = ?", job.receivedAt(), job.id(), job.owner());
    }

    /**
     * Failed: retried after an exponential back-off, or a dead letter once the attempts are used
     * up (unless newer work for the same key arrived meanwhile).
     *
     * @return true when the row became a dead letter
     */
    public boolean fail(OutboxJob job, String error) {
        Instant now = clock.instant();
        String message = error == null ? null : error.length() > 1000 ? error.substring(0, 1000) : error;
        if (job.attempts() >= config.maxAttempts()) {
            int dead = db.update("UPDATE ehr_outbox SET state = 'dead', lease_owner = NULL, lease_until = NULL, last_error = ?, "
                    + "updated_at = ?, received_at = LEAST(received_at, ?::timestamptz) WHERE id = ? AND lease_owner = ? AND version = ?",
                    message, now, job.receivedAt(), job.id(), job.owner(), job.version());
            if (dead > 0) {
                return true;
            }
        }
        db.update("UPDATE ehr_outbox SET lease_owner = NULL, lease_until = NULL, last_error = ?, next_attempt_at = ?, "
                + "updated_at = ?, received_at = LEAST(received_at, ?::timestamptz) WHERE id = ? AND lease_owner = ?",
                message, now.plus(backoff(job.attempts())), now, job.receivedAt(), job.id(), job.owner());
        return false;
    }

    /** initial x 2^(attempts-1), capped, with +-20 % jitter so that a crowd of retries spreads out. */
    Duration backoff(int attempts) {
        long initial = config.backoffInitial().toMillis();
        long max = config.backoffMax().toMillis();
        long millis = initial;
        for (int i = 1; i < attempts && millis < max; i++) {
            millis *= 2;
        }
        millis = Math.min(millis, max);
        double jitter = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
        return Duration.ofMillis(Math.max(1, (long) (millis * jitter)));
    }

    /** Whether work of this kind and key is queued (pending) for the EHR. */
    public boolean isPending(String ehr, String kind, String key) {
        return db.first("SELECT 1 FROM ehr_outbox WHERE ehr = ? AND kind = ? AND job_key = ? AND state = 'pending'",
                rs -> true, ehr, kind, key).isPresent();
    }

    // ---- admin view -------------------------------------------------------------------------

    /** A row as the admin API shows it (never the payload: it can hold patient data). */
    public record Row(long id, String ehr, String kind, String key, String state, int version, int attempts,
                      Instant nextAttemptAt, Instant leaseUntil, String lastError, Instant createdAt, Instant updatedAt) {
    }

    public record Page(long total, List<Row> rows) {
    }

    private static final String ROW_COLUMNS = "SELECT id, ehr, kind, job_key, state, version, attempts, "
            + "next_attempt_at, lease_until, last_error, created_at, updated_at FROM ehr_outbox";

    public Page list(String state, String kind, String ehr, int offset, int limit) {
        String where = " WHERE (?::text IS NULL OR state = ?) AND (?::text IS NULL OR kind = ?) AND (?::text IS NULL OR ehr = ?)";
        return db.withConnection(h -> new Page(
                h.one("SELECT count(*) FROM ehr_outbox" + where, rs -> rs.getLong(1), state, state, kind, kind, ehr, ehr),
                h.list(ROW_COLUMNS + where + " ORDER BY id LIMIT ? OFFSET ?", Outbox::row,
                        state, state, kind, kind, ehr, ehr, limit, offset)));
    }

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getInt(6), rs.getInt(7), Jdbc.instant(rs, 8), Jdbc.instant(rs, 9),
                rs.getString(10), Jdbc.instant(rs, 11), Jdbc.instant(rs, 12));
    }

    public Optional<Row> get(long id) {
        return db.first(ROW_COLUMNS + " WHERE id = ?", Outbox::row, id);
    }

    /**
     * A dead letter back to work with fresh attempts: the row as this update left it (a worker may
     * claim it a moment later), or empty when the row is not a dead letter.
     */
    public Optional<Row> retry(long id) {
        Instant now = clock.instant();
        String sql = "UPDATE ehr_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? "
                + "WHERE id = ? AND state = 'dead' RETURNING "
                + ROW_COLUMNS.substring("SELECT ".length(), ROW_COLUMNS.indexOf(" FROM "));
        return db.first(sql, Outbox::row, now, now, id);
    }

    /** Every dead letter back to work; returns how many. */
    public int retryAllDead() {
        Instant now = clock.instant();
        return db.update("UPDATE ehr_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? "
                + "WHERE state = 'dead'", now, now);
    }

    /** Depth per kind (pending rows), age of the oldest pending row, and the dead letters. */
    public record Stats(Map<String, Long> pendingByKind, Instant oldestPending, long dead) {
    }

    public Stats stats() {
        record Group(String kind, String state, long count, Instant oldest) {
        }
        List<Group> groups = db.list("SELECT kind, state, count(*), min(created_at) FROM ehr_outbox GROUP BY kind, state",
                rs -> new Group(rs.getString(1), rs.getString(2), rs.getLong(3), Jdbc.instant(rs, 4)));
        Map<String, Long> pending = new HashMap<>();
        Instant oldest = null;
        long dead = 0;
        for (Group g : groups) {
            if (DEAD.equals(g.state())) {
                dead += g.count();
            } else {
                pending.merge(g.kind(), g.count(), Long::sum);
                oldest = oldest == null || g.oldest().isBefore(oldest) ? g.oldest() : oldest;
            }
        }
        return new Stats(pending, oldest, dead);
    }
}
