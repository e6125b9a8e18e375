package org.e2guard.ehr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.e2guard.engine.Notice;
import org.e2guard.mapping.record.ResourceIndex;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.rest.gclient.IQuery;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads what the rules need about one patient from an EHR: the Patient, the Observations of the
 * codes the rules read, medication statements, requests and administrations (with their
 * Medications), Conditions, and DXA reports with their results. Every search asks for
 * {@code _count} per page and follows next links to the end.
 */
@ApplicationScoped
public class PatientContextFetcher {
    private final RuleCodes codes;

    public PatientContextFetcher(RuleCodes codes) {
        this.codes = codes;
    }

    /** One patient's resources as fetched, deduplicated by type and id. */
    public record Context(String patientId, Patient patient, List<Resource> resources, List<Notice> notices) {
        public ResourceIndex index() {
            return ResourceIndex.of(resources);
        }
    }

    /** The patient's context, or empty when the EHR has no such patient (404, 410). */
    public Optional<Context> fetch(Ehr ehr, String patientId) {
        Patient patient;
        try {
            patient = ehr.client().read().resource(Patient.class).withId(patientId).execute();
        } catch (RuntimeException e) {
            EhrException failure = EhrException.of(e);
            if (failure.reason() == EhrException.Reason.NOT_FOUND) {
                return Optional.empty();
            }
            throw failure;
        }
        Map<String, Resource> byRef = new LinkedHashMap<>();
        List<Notice> notices = new ArrayList<>();
        add(byRef, patient);
        ReferenceClientParam patientParam = new ReferenceClientParam("patient");
        for (List<Coding> chunk : RuleCodes.chunks(codes.readObservations())) {
            searchInto(ehr, byRef, notices, false, "Observation", ehr.client().search().forResource("Observation")
                    .where(patientParam.hasId(patientId))
                    .and(new TokenClientParam("code").exactly().codings(chunk.toArray(Coding[]::new))));
        }
        for (String type : List.of("MedicationStatement", "MedicationRequest", "MedicationAdministration")) {
            searchInto(ehr, byRef, notices, type.equals("MedicationAdministration"), type,
                    ehr.client().search().forResource(type).where(patientParam.hasId(patientId))
                            .include(new Include(type + ":medication")));
        }
        searchInto(ehr, byRef, notices, true, "Condition",
                ehr.client().search().forResource("Condition").where(patientParam.hasId(patientId)));
        if (!codes.dxaReports().isEmpty()) {
            searchInto(ehr, byRef, notices, true, "DiagnosticReport", ehr.client().search().forResource("DiagnosticReport")
                    .where(patientParam.hasId(patientId))
                    .and(new TokenClientParam("code").exactly().codings(codes.dxaReports().toArray(Coding[]::new)))
                    .include(new Include("DiagnosticReport:result")));
        }
        if (!codes.dxaProcedures().isEmpty()) {
            searchInto(ehr, byRef, notices, true, "Procedure", ehr.client().search().forResource("Procedure")
                    .where(patientParam.hasId(patientId))
                    .and(new TokenClientParam("code").exactly().codings(codes.dxaProcedures().toArray(Coding[]::new))));
        }
        return Optional.of(new Context(patientId, patient, new ArrayList<>(byRef.values()), notices));
    }

    /**
     * Runs one search to its last page. An EHR that refuses an optional search (it may not support
     * MedicationAdministration, say) costs that part of the picture, not the whole evaluation.
     */
    private void searchInto(Ehr ehr, Map<String, Resource> byRef, List<Notice> notices, boolean optional, String type,
                            IQuery<?> query) {
        try {
            for (Resource r : all(ehr, query)) {
                add(byRef, r);
            }
        } catch (RuntimeException e) {
            EhrException failure = EhrException.of(e);
            if (optional && (failure.reason() == EhrException.Reason.REJECTED || failure.reason() == EhrException.Reason.NOT_FOUND)) {
                notices.add(Notice.warning(null, type, "The EHR refused the " + type + " search (HTTP " + failure.status()
                        + "); evaluated without " + type + " resources."));
                return;
            }
            throw failure;
        }
    }

    /** Every resource of every page of a search (matches and includes). */
    public static List<Resource> all(Ehr ehr, IQuery<?> query) {
        List<Resource> out = new ArrayList<>();
        Bundle page = query.count(ehr.pageSize()).returnBundle(Bundle.class).execute();
        int pages = 0;
        while (true) {
            for (Bundle.BundleEntryComponent e : page.getEntry()) {
                if (e.getResource() != null && !"OperationOutcome".equals(e.getResource().fhirType())) {
                    out.add(e.getResource());
                }
            }
            if (page.getLink(Bundle.LINK_NEXT) == null || ++pages > 10_000) {
                return out;
            }
            page = ehr.client().loadPage().next(page).execute();
        }
    }

    private static void add(Map<String, Resource> byRef, Resource r) {
        String id = r.getIdElement().getIdPart();
        byRef.putIfAbsent(id == null ? r.fhirType() + "/#" + byRef.size() : r.fhirType() + "/" + id, r);
    }
}
