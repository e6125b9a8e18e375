package org.e2guard.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.e2guard.ehr.Subjects;
import org.e2guard.platform.db.Jdbc;
import org.hl7.fhir.r4.model.Resource;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Which patient each resource e2guard has seen belongs to (opaque ids only). A deletion
 * notification names just {@code Type/id}, and the resource can no longer be read: this is how
 * e2guard still knows whose findings to re-evaluate.
 */
@ApplicationScoped
public class ResourcePatientIndex {
    private final Jdbc db;
    private final Clock clock;

    public ResourcePatientIndex(Jdbc db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Remembers the patient of every resource that has one. */
    public void record(String ehr, Collection<? extends Resource> resources) {
        Instant now = clock.instant();
        List<Object[]> rows = new ArrayList<>();
        for (Resource r : resources) {
            String patient = Subjects.patientId(r);
            String id = r.getIdElement().getIdPart();
            if (patient == null || id == null || r.fhirType().equals("Patient")) {
                continue;
            }
            rows.add(new Object[] {ehr, r.fhirType(), id, patient, now});
        }
        db.batch("""
                INSERT INTO ehr_resource_patient (ehr, resource_type, resource_id, patient_id, seen_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (ehr, resource_type, resource_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,
                    seen_at = EXCLUDED.seen_at""", rows);
    }

    public Optional<String> patientOf(String ehr, String type, String id) {
        if ("Patient".equals(type)) {
            return Optional.of(id);
        }
        return db.first("SELECT patient_id FROM ehr_resource_patient WHERE ehr = ? AND resource_type = ? AND resource_id = ?",
                rs -> rs.getString(1), ehr, type, id);
    }

    public void forget(String ehr, String type, String id) {
        db.update("DELETE FROM ehr_resource_patient WHERE ehr = ? AND resource_type = ? AND resource_id = ?", ehr, type, id);
    }
}
