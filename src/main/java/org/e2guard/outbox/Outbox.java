package org.e2guard.outbox;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;


import jakarta.enterprise.context.ApplicationScoped;

/**
 * The durable outbox in e2guard's PostgreSQL: every piece of work towards an EHR is a row before
 * anything is attempted, so a restart or a dead replica loses nothing.
 *
 * <p>Several replicas share the table safely: a worker claims one due row with
 * {@code FOR UPDATE SKIP LOCKED} and sets a lease; nobody else claims it while the lease runs, and
 * an expired lease (a replica died mid-work) makes it claimable again. Rows coalesce on
 * {@code (ehr, kind, key)}: enqueueing work that is already queued updates the row (and its
 * version) instead of adding one.
 */
@ApplicationScoped
public class Outbox {
    public static final String PENDING = "pending";
    public static final String DEAD = "dead";

    private final DataSource db;
    private final Clock clock;
    private final WritebackConfig config;
    private volatile Runnable onEnqueue = () -> {
    };

    public Outbox(DataSource db, Clock clock, WritebackConfig config) {
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
        Instant now = clock.instant();
        String sql = """
                INSERT INTO ehr_outbox (ehr, kind, job_key, payload, next_attempt_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ehr, kind, job_key) DO UPDATE SET
                    payload = EXCLUDED.payload,
                    version = ehr_outbox.version + 1,
                    state = 'pending',
                    attempts = CASE WHEN ehr_outbox.state = 'dead' THEN 0 ELSE ehr_outbox.attempts END,
                    next_attempt_at = CASE
                        WHEN ehr_outbox.state = 'dead' THEN EXCLUDED.next_attempt_at
                        WHEN ehr_outbox.lease_until IS NOT NULL AND ehr_outbox.lease_until > ? THEN EXCLUDED.next_attempt_at
                        ELSE LEAST(ehr_outbox.next_attempt_at, EXCLUDED.next_attempt_at) END,
                    updated_at = EXCLUDED.updated_at
                RETURNING id""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, ehr);
            ps.setString(2, kind);
            ps.setString(3, key);
            ps.setString(4, payload);
            ps.setTimestamp(5, ts(notBefore));
            ps.setTimestamp(6, ts(now));
            ps.setTimestamp(7, ts(now));
            ps.setTimestamp(8, ts(now));
            long id;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
            onEnqueue.run();
            return id;
        } catch (SQLException e) {
            throw new OutboxException("enqueue", e);
        }
    }

    /** Called after every enqueue (the workers use it to wake up). */
    public void onEnqueue(Runnable listener) {
        this.onEnqueue = listener;
    }

    /** Claims the most overdue row, skipping rows others hold and EHRs whose breaker is open. */
    public Optional<OutboxJob> claim(String owner, Collection<String> excludedEhrs) {
        Instant now = clock.instant();
        String sql = """
                UPDATE ehr_outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
                WHERE id = (
                    SELECT id FROM ehr_outbox
                    WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
                      AND ehr <> ALL (?)
                    ORDER BY next_attempt_at, id
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                RETURNING id, ehr, kind, job_key, payload, version, attempts, created_at""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            Array excluded = c.createArrayOf("text", excludedEhrs.toArray());
            ps.setString(1, owner);
            ps.setTimestamp(2, ts(now.plus(config.lease())));
            ps.setTimestamp(3, ts(now));
            ps.setTimestamp(4, ts(now));
            ps.setTimestamp(5, ts(now));
            ps.setArray(6, excluded);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new OutboxJob(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getInt(6), rs.getInt(7), rs.getTimestamp(8).toInstant(), owner));
            }
        } catch (SQLException e) {
            throw new OutboxException("claim", e);
        }
    }

    /** Keeps the claim of a long-running row (a catch-up sync over many pages). */
    public void extendLease(OutboxJob job) {
        Instant now = clock.instant();
        update("UPDATE ehr_outbox SET lease_until = ? WHERE id = ? AND lease_owner = ?",
                ts(now.plus(config.lease())), job.id(), job.owner());
    }

    /**
     * Done: the row goes, unless it was enqueued again meanwhile (a newer version), in which case
     * it stays for another run, due when that enqueue said.
     */
    public void complete(OutboxJob job) {
        int deleted = update("DELETE FROM ehr_outbox WHERE id = ? AND version = ? AND lease_owner = ?",
                job.id(), job.version(), job.owner());
        if (deleted == 0) {
            update("UPDATE ehr_outbox SET lease_owner = NULL, lease_until = NULL, attempts = 0, updated_at = ? "
                    + "WHERE id = ? AND lease_owner = ?", ts(clock.instant()), job.id(), job.owner());
        }
    }

    /** Gives a claimed row back without counting the attempt (the EHR's breaker opened meanwhile). */
    public void release(OutboxJob job) {
        update("UPDATE ehr_outbox SET lease_owner = NULL, lease_until = NULL, attempts = GREATEST(attempts - 1, 0) "
                + "WHERE id = ? AND lease_owner = ?", job.id(), job.owner());
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
            int dead = update("UPDATE ehr_outbox SET state = 'dead', lease_owner = NULL, lease_until = NULL, last_error = ?, "
                    + "updated_at = ? WHERE id = ? AND lease_owner = ? AND version = ?",
                    message, ts(now), job.id(), job.owner(), job.version());
            if (dead > 0) {
                return true;
            }
        }
        update("UPDATE ehr_outbox SET lease_owner = NULL, lease_until = NULL, last_error = ?, next_attempt_at = ?, "
                + "updated_at = ? WHERE id = ? AND lease_owner = ?",
                message, ts(now.plus(backoff(job.attempts()))), ts(now), job.id(), job.owner());
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
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM ehr_outbox WHERE ehr = ? AND kind = ? AND job_key = ? AND state = 'pending'")) {
            ps.setString(1, ehr);
            ps.setString(2, kind);
            ps.setString(3, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new OutboxException("read", e);
        }
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
        try (Connection c = db.getConnection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM ehr_outbox" + where)) {
                bindFilter(ps, state, kind, ehr);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<Row> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(ROW_COLUMNS + where + " ORDER BY id LIMIT ? OFFSET ?")) {
                bindFilter(ps, state, kind, ehr);
                ps.setInt(7, limit);
                ps.setInt(8, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(row(rs));
                    }
                }
            }
            return new Page(total, rows);
        } catch (SQLException e) {
            throw new OutboxException("list", e);
        }
    }

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getInt(6), rs.getInt(7), instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9)),
                rs.getString(10), instant(rs.getTimestamp(11)), instant(rs.getTimestamp(12)));
    }

    private static void bindFilter(PreparedStatement ps, String state, String kind, String ehr) throws SQLException {
        ps.setString(1, state);
        ps.setString(2, state);
        ps.setString(3, kind);
        ps.setString(4, kind);
        ps.setString(5, ehr);
        ps.setString(6, ehr);
    }

    public Optional<Row> get(long id) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(ROW_COLUMNS + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new OutboxException("get", e);
        }
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
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setTimestamp(1, ts(now));
            ps.setTimestamp(2, ts(now));
            ps.setLong(3, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new OutboxException("retry", e);
        }
    }

    /** Every dead letter back to work; returns how many. */
    public int retryAllDead() {
        Instant now = clock.instant();
        return update("UPDATE ehr_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? "
                + "WHERE state = 'dead'", ts(now), ts(now));
    }

    /** Depth per kind (pending rows), age of the oldest pending row, and the dead letters. */
    public record Stats(Map<String, Long> pendingByKind, Instant oldestPending, long dead) {
    }

    public Stats stats() {
        Map<String, Long> pending = new HashMap<>();
        Instant oldest = null;
        long dead = 0;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT kind, state, count(*), min(created_at) FROM ehr_outbox GROUP BY kind, state");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (DEAD.equals(rs.getString(2))) {
                    dead += rs.getLong(3);
                } else {
                    pending.merge(rs.getString(1), rs.getLong(3), Long::sum);
                    Instant first = rs.getTimestamp(4).toInstant();
                    oldest = oldest == null || first.isBefore(oldest) ? first : oldest;
                }
            }
        } catch (SQLException e) {
            throw new OutboxException("stats", e);
        }
        return new Stats(pending, oldest, dead);
    }

    private int update(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new OutboxException("update", e);
        }
    }

    static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    /** The outbox's database failed; the caller cannot know whether the work is queued. */
    public static final class OutboxException extends RuntimeException {
        OutboxException(String operation, SQLException cause) {
            super("outbox " + operation + " failed: SQLState " + cause.getSQLState(), cause);
        }
    }
}
