package org.e2guard.writeback;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.e2guard.platform.db.Jdbc;

import jakarta.enterprise.context.ApplicationScoped;

/** The write-back bookkeeping in e2guard's database: last-written state per identifier, and Device ids. */
@ApplicationScoped
public class WritebackStore {
    private final Jdbc db;

    public WritebackStore(Jdbc db) {
        this.db = db;
    }

    public List<WrittenState> forPatient(String ehr, String patientId) {
        return db.list("SELECT resource_type, identifier, patient_id, rule, status, content_hash, ehr_id, ehr_version, "
                        + "first_identified, body, written_at FROM writeback_state WHERE ehr = ? AND patient_id = ? "
                        + "ORDER BY resource_type, identifier",
                rs -> new WrittenState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                        rs.getTimestamp(9).toInstant(), rs.getString(10), rs.getTimestamp(11).toInstant()),
                ehr, patientId);
    }

    /** Records what was written; {@code notifiedAt}: when the notification behind it arrived (null: none or unknown). */
    public void save(String ehr, WrittenState s, Instant notifiedAt) {
        db.update("""
                INSERT INTO writeback_state (ehr, resource_type, identifier, patient_id, rule, status, content_hash,
                                             ehr_id, ehr_version, first_identified, body, written_at, notified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamptz)
                ON CONFLICT (ehr, resource_type, identifier) DO UPDATE SET
                    patient_id = EXCLUDED.patient_id, rule = EXCLUDED.rule, status = EXCLUDED.status,
                    content_hash = EXCLUDED.content_hash, ehr_id = EXCLUDED.ehr_id, ehr_version = EXCLUDED.ehr_version,
                    first_identified = EXCLUDED.first_identified, body = EXCLUDED.body, written_at = EXCLUDED.written_at,
                    notified_at = EXCLUDED.notified_at""",
                ehr, s.resourceType(), s.identifier(), s.patientId(), s.rule(), s.status(), s.hash(), s.ehrId(),
                s.ehrVersion(), s.firstIdentified(), s.body(), s.writtenAt(), notifiedAt);
    }

    public Optional<String> deviceId(String ehr) {
        return db.first("SELECT device_id FROM ehr_device WHERE ehr = ?", rs -> rs.getString(1), ehr);
    }

    public void saveDeviceId(String ehr, String deviceId, Instant now) {
        db.update("INSERT INTO ehr_device (ehr, device_id, created_at) VALUES (?, ?, ?) "
                + "ON CONFLICT (ehr) DO UPDATE SET device_id = EXCLUDED.device_id", ehr, deviceId, now);
    }

    /** Forgets the Device id, e.g. after the EHR lost the Device (a reference to it was refused). */
    public void forgetDevice(String ehr) {
        db.update("DELETE FROM ehr_device WHERE ehr = ?", ehr);
    }
}
