package org.e2guard.subscription;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

/** The catch-up sync points (per EHR and resource type) and event numbers of topic-based subscriptions. */
@ApplicationScoped
public class SyncStateStore {
    private final DataSource db;

    public SyncStateStore(DataSource db) {
        this.db = db;
    }

    /** The newest meta.lastUpdated seen for the type, by the EHR's clock. */
    public Optional<Instant> syncedUntil(String ehr, String type) {
        return instant("SELECT synced_until FROM ehr_sync_state WHERE ehr = ? AND resource_type = ?", ehr, type);
    }

    /** When the last complete sync of the EHR ended (by e2guard's clock), empty before the first. */
    public Optional<Instant> lastRun(String ehr) {
        return instant("SELECT min(last_run_at) FROM ehr_sync_state WHERE ehr = ?", ehr);
    }

    public void save(String ehr, String type, Instant syncedUntil, Instant ranAt) {
        update("""
                INSERT INTO ehr_sync_state (ehr, resource_type, synced_until, last_run_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (ehr, resource_type) DO UPDATE SET
                    synced_until = GREATEST(ehr_sync_state.synced_until, EXCLUDED.synced_until),
                    last_run_at = EXCLUDED.last_run_at""", ehr, type, Timestamp.from(syncedUntil), Timestamp.from(ranAt));
    }

    /** The highest event number seen for a topic-based subscription. */
    public Optional<Long> lastEventNumber(String ehr, String subscription) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT last_event_number FROM ehr_subscription_event WHERE ehr = ? AND subscription = ?")) {
            ps.setString(1, ehr);
            ps.setString(2, subscription);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_subscription_event read failed: SQLState " + e.getSQLState(), e);
        }
    }

    /** Raises the highest event number seen (never lowers it: notifications can be processed out of order). */
    public void saveEventNumber(String ehr, String subscription, long number, Instant now) {
        update("""
                INSERT INTO ehr_subscription_event (ehr, subscription, last_event_number, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (ehr, subscription) DO UPDATE SET
                    last_event_number = GREATEST(ehr_subscription_event.last_event_number, EXCLUDED.last_event_number),
                    updated_at = EXCLUDED.updated_at""", ehr, subscription, number, Timestamp.from(now));
    }

    private Optional<Instant> instant(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getTimestamp(1) == null) {
                    return Optional.empty();
                }
                return Optional.of(rs.getTimestamp(1).toInstant());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_sync_state read failed: SQLState " + e.getSQLState(), e);
        }
    }

    private void update(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_sync_state write failed: SQLState " + e.getSQLState(), e);
        }
    }
}
