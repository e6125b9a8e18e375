package org.e2guard.ehr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.e2guard.engine.Notice;
import org.e2guard.mapping.record.ResourceIndex;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.rest.gclient.IQuery;
import ca.uhn.fhir.util.UrlUtil;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads what the rules need about one patient from an EHR: the Patient, the Observations of the
 * codes the rules read, medication statements, requests and administrations (with their
 * Medications), Conditions, and DXA reports with their results. The read and the first page of
 * every search go in one {@code batch} request (one round trip instead of eight); every search asks
 * for {@code _count} per page and follows next links to the end.
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

    /** One search of the context: its type, its URL relative to the base, and whether the EHR may refuse it. */
    private record Search(String type, String url, boolean optional) {
    }

    /**
     * The patient's context, or empty when the EHR has no such patient (404, 410): the read and
     * every first page in one {@code batch} request, then any further pages by their next links.
     */
    public Optional<Context> fetch(Ehr ehr, String patientId) {
        List<Search> searches = searches(ehr, patientId);
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient/" + UrlUtil.escapeUrlParam(patientId));
        searches.forEach(q -> batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(q.url()));
        Bundle answer;
        try {
            // a batch is a POST: ask for fresh answers to its GETs as FreshReads does for a plain GET
            answer = ehr.client().transaction().withBundle(batch)
                    .withAdditionalHeader(FreshReads.HEADER, FreshReads.NO_CACHE).execute();
        } catch (RuntimeException e) {
            throw EhrException.of(e);
        }
        if (answer.getEntry().size() != batch.getEntry().size()) {
            throw new EhrException(EhrException.Reason.REJECTED, 0, "the EHR answered a batch of " + batch.getEntry().size()
                    + " reads with " + answer.getEntry().size(), null);
        }
        Bundle.BundleEntryComponent read = answer.getEntry().get(0);
        int readStatus = status(read);
        if (readStatus >= 300 && EhrException.forStatus(readStatus) == EhrException.Reason.NOT_FOUND) {
            return Optional.empty();
        }
        if (readStatus >= 300 || !(read.getResource() instanceof Patient patient)) {
            throw refused("Patient read", readStatus);
        }
        Map<String, Resource> byRef = new LinkedHashMap<>();
        List<Notice> notices = new ArrayList<>();
        add(byRef, patient);
        for (int i = 0; i < searches.size(); i++) {
            Search q = searches.get(i);
            Bundle.BundleEntryComponent entry = answer.getEntry().get(i + 1);
            int status = status(entry);
            if (status >= 300 || !(entry.getResource() instanceof Bundle page)) {
                // an EHR that refuses an optional search (it may not support MedicationAdministration,
                // say) costs that part of the picture, not the whole evaluation
                EhrException.Reason reason = EhrException.forStatus(status);
                if (q.optional() && (reason == EhrException.Reason.REJECTED || reason == EhrException.Reason.NOT_FOUND)) {
                    notices.add(Notice.warning(null, q.type(), "The EHR refused the " + q.type() + " search (HTTP " + status
                            + "); evaluated without " + q.type() + " resources."));
                    continue;
                }
                throw refused(q.type() + " search", status);
            }
            for (Resource r : rest(ehr, page)) {
                add(byRef, r);
            }
        }
        return Optional.of(new Context(patientId, patient, new ArrayList<>(byRef.values()), notices));
    }

    private List<Search> searches(Ehr ehr, String patientId) {
        String patient = "patient=" + UrlUtil.escapeUrlParam(patientId) + "&_count=" + ehr.pageSize();
        List<Search> out = new ArrayList<>();
        for (List<Coding> chunk : RuleCodes.chunks(codes.readObservations())) {
            out.add(new Search("Observation", "Observation?" + patient + "&code=" + tokens(chunk), false));
        }
        for (String type : List.of("MedicationStatement", "MedicationRequest", "MedicationAdministration")) {
            out.add(new Search(type, type + "?" + patient + "&_include=" + type + ":medication",
                    type.equals("MedicationAdministration")));
        }
        out.add(new Search("Condition", "Condition?" + patient, true));
        if (!codes.dxaReports().isEmpty()) {
            out.add(new Search("DiagnosticReport", "DiagnosticReport?" + patient + "&code=" + tokens(codes.dxaReports())
                    + "&_include=DiagnosticReport:result", true));
        }
        if (!codes.dxaProcedures().isEmpty()) {
            out.add(new Search("Procedure", "Procedure?" + patient + "&code=" + tokens(codes.dxaProcedures()), true));
        }
        return out;
    }

    private static String tokens(List<Coding> codings) {
        return codings.stream().map(c -> UrlUtil.escapeUrlParam(c.getSystem() + "|" + c.getCode()))
                .collect(Collectors.joining(","));
    }

    /** The HTTP status of a batch entry's answer (200 when the EHR left it out with a resource present). */
    private static int status(Bundle.BundleEntryComponent entry) {
        String status = entry.getResponse().getStatus();
        if (status == null || status.isBlank()) {
            return entry.getResource() == null ? 500 : 200;
        }
        try {
            return Integer.parseInt(status.trim().split(" ", 2)[0]);
        } catch (NumberFormatException e) {
            return 500;
        }
    }

    private static EhrException refused(String what, int status) {
        return new EhrException(EhrException.forStatus(status), status, "the EHR answered the " + what + " in a batch with HTTP " + status, null);
    }

    /** Every resource of every page of a search (matches and includes). */
    public static List<Resource> all(Ehr ehr, IQuery<?> query) {
        return rest(ehr, query.count(ehr.pageSize()).returnBundle(Bundle.class).execute());
    }

    /** Every resource of a search's first page and of the pages after it. */
    private static List<Resource> rest(Ehr ehr, Bundle first) {
        List<Resource> out = new ArrayList<>();
        Bundle page = first;
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
