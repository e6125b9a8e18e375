package org.e2guard.subscription;

import java.time.Instant;
import java.util.Optional;

import org.e2guard.platform.db.Jdbc;

import jakarta.enterprise.context.ApplicationScoped;

/** The catch-up sync points (per EHR and resource type) and event numbers of topic-based subscriptions. */
@ApplicationScoped
public class SyncStateStore {
    private final Jdbc db;

    public SyncStateStore(Jdbc db) {
        this.db = db;
    }

    /** The newest meta.lastUpdated seen for the type, by the EHR's clock. */
    public Optional<Instant> syncedUntil(String ehr, String type) {
        return db.first("SELECT synced_until FROM ehr_sync_state WHERE ehr = ? AND resource_type = ?",
                rs -> Jdbc.instant(rs, 1), ehr, type);
    }

    /** When the last complete sync of the EHR ended (by e2guard's clock), empty before the first. */
    public Optional<Instant> lastRun(String ehr) {
        return db.first("SELECT min(last_run_at) FROM ehr_sync_state WHERE ehr = ?", rs -> Jdbc.instant(rs, 1), ehr);
    }

    public void save(String ehr, String type, Instant syncedUntil, Instant ranAt) {
        db.update("""
                INSERT INTO ehr_sync_state (ehr, resource_type, synced_until, last_run_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (ehr, resource_type) DO UPDATE SET
                    synced_until = GREATEST(ehr_sync_state.synced_until, EXCLUDED.synced_until),
                    last_run_at = EXCLUDED.last_run_at""", ehr, type, syncedUntil, ranAt);
    }

    /** The highest event number seen for a topic-based subscription. */
    public Optional<Long> lastEventNumber(String ehr, String subscription) {
        return db.first("SELECT last_event_number FROM ehr_subscription_event WHERE ehr = ? AND subscription = ?",
                rs -> rs.getLong(1), ehr, subscription);
    }

    /** Raises the highest event number seen (never lowers it: notifications can be processed out of order). */
    public void saveEventNumber(String ehr, String subscription, long number, Instant now) {
        db.update("""
                INSERT INTO ehr_subscription_event (ehr, subscription, last_event_number, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (ehr, subscription) DO UPDATE SET
                    last_event_number = GREATEST(ehr_subscription_event.last_event_number, EXCLUDED.last_event_number),
                    updated_at = EXCLUDED.updated_at""", ehr, subscription, number, now);
    }
}
