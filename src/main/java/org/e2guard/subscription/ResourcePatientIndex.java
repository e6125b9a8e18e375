package org.e2guard.subscription;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Collection;
import java.util.Optional;

import javax.sql.DataSource;

import org.e2guard.ehr.Subjects;
import org.hl7.fhir.r4.model.Resource;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Which patient each resource e2guard has seen belongs to (opaque ids only). A deletion
 * notification names just {@code Type/id}, and the resource can no longer be read: this is how
 * e2guard still knows whose findings to re-evaluate.
 */
@ApplicationScoped
public class ResourcePatientIndex {
    private final DataSource db;
    private final Clock clock;

    public ResourcePatientIndex(DataSource db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Remembers the patient of every resource that has one. */
    public void record(String ehr, Collection<? extends Resource> resources) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO ehr_resource_patient (ehr, resource_type, resource_id, patient_id, seen_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (ehr, resource_type, resource_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,
                    seen_at = EXCLUDED.seen_at""")) {
            Timestamp now = Timestamp.from(clock.instant());
            int batched = 0;
            for (Resource r : resources) {
                String patient = Subjects.patientId(r);
                String id = r.getIdElement().getIdPart();
                if (patient == null || id == null || r.fhirType().equals("Patient")) {
                    continue;
                }
                ps.setString(1, ehr);
                ps.setString(2, r.fhirType());
                ps.setString(3, id);
                ps.setString(4, patient);
                ps.setTimestamp(5, now);
                ps.addBatch();
                batched++;
            }
            if (batched > 0) {
                ps.executeBatch();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_resource_patient write failed: SQLState " + e.getSQLState(), e);
        }
    }

    public Optional<String> patientOf(String ehr, String type, String id) {
        if ("Patient".equals(type)) {
            return Optional.of(id);
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT patient_id FROM ehr_resource_patient WHERE ehr = ? AND resource_type = ? AND resource_id = ?")) {
            ps.setString(1, ehr);
            ps.setString(2, type);
            ps.setString(3, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_resource_patient read failed: SQLState " + e.getSQLState(), e);
        }
    }

    public void forget(String ehr, String type, String id) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM ehr_resource_patient WHERE ehr = ? AND resource_type = ? AND resource_id = ?")) {
            ps.setString(1, ehr);
            ps.setString(2, type);
            ps.setString(3, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("ehr_resource_patient delete failed: SQLState " + e.getSQLState(), e);
        }
    }
}
