package org.e2guard.writeback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

/** The write-back bookkeeping in e2guard's database: last-written state per identifier, and Device ids. */
@ApplicationScoped
public class WritebackStore {
    private final DataSource db;

    public WritebackStore(DataSource db) {
        this.db = db;
    }

    public List<WrittenState> forPatient(String ehr, String patientId) {
        List<WrittenState> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT resource_type, identifier, patient_id, rule, status, content_hash, ehr_id, ehr_version, "
                        + "first_identified, body, written_at FROM writeback_state WHERE ehr = ? AND patient_id = ? "
                        + "ORDER BY resource_type, identifier")) {
            ps.setString(1, ehr);
            ps.setString(2, patientId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new WrittenState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            rs.getTimestamp(9).toInstant(), rs.getString(10), rs.getTimestamp(11).toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("writeback_state read failed: SQLState " + e.getSQLState(), e);
        }
    }

    public void save(String ehr, WrittenState s) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO writeback_state (ehr, resource_type, identifier, patient_id, rule, status, content_hash,
                                             ehr_id, ehr_version, first_identified, body, written_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ehr, resource_type, identifier) DO UPDATE SET
                    patient_id = EXCLUDED.patient_id, rule = EXCLUDED.rule, status = EXCLUDED.status,
                    content_hash = EXCLUDED.content_hash, ehr_id = EXCLUDED.ehr_id, ehr_version = EXCLUDED.ehr_version,
                    first_identified = EXCLUDED.first_identified, body = EXCLUDED.body, written_at = EXCLUDED.written_at""")) {
            ps.setString(1, ehr);
            ps.setString(2, s.resourceType());
            ps.setString(3, s.identifier());
            ps.setString(4, s.patientId());
            ps.setString(5, s.rule());
            ps.setString(6, s.status());
            ps.setString(7, s.hash());
            ps.setString(8, s.ehrId());
            ps.setString(9, s.ehrVersion());
            ps.setTimestamp(10, Timestamp.from(s.firstIdentified()));
            ps.setString(11, s.body());
            ps.setTimestamp(12, Timestamp.from(s.writtenAt()));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("writeback_state write failed: SQLState " + e.getSQLState(), e);
        }
    }

    public Optional<String> deviceId(String ehr) {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT device_id FROM ehr_device WHERE ehr = ?")) {
            ps.setString(1, ehr);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_device read failed: SQLState " + e.getSQLState(), e);
        }
    }

    public void saveDeviceId(String ehr, String deviceId, Instant now) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO ehr_device (ehr, device_id, created_at) VALUES (?, ?, ?) "
                        + "ON CONFLICT (ehr) DO UPDATE SET device_id = EXCLUDED.device_id")) {
            ps.setString(1, ehr);
            ps.setString(2, deviceId);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_device write failed: SQLState " + e.getSQLState(), e);
        }
    }

    /** Forgets the Device id, e.g. after the EHR lost the Device (a reference to it was refused). */
    public void forgetDevice(String ehr) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("DELETE FROM ehr_device WHERE ehr = ?")) {
            ps.setString(1, ehr);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_device delete failed: SQLState " + e.getSQLState(), e);
        }
    }
}
