package org.e2guard.cds.service;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.e2guard.mapping.record.PatientGrouper;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.mapping.terminology.Terminology;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Everything the rules need about the patient of a hook call, from prefetch first and the EHR's
 * FHIR server for the rest. Prefetch is never assumed complete (CDS Hooks 2.0 "Prefetch
 * Template"): a key may be absent (the EHR chose not to, or could not, satisfy it: read it), null
 * (no data: nothing to read), an OperationOutcome (the EHR's own fetch failed: read it), or a
 * Bundle with a {@code next} link (paged: read the remaining pages). Whatever must be read but
 * cannot be, because there is no fhirServer and token or the server fails, makes the call a 412
 * with the reason: e2guard does not evaluate a partial record, since missing results would
 * silently turn into "not monitored" findings or hide a suppressed estradiol. A key holding another
 * patient's data than {@code context.patientId} counts as not sent: it is read like a missing one.
 */
@ApplicationScoped
public class PatientDataCollector {
    private static final Logger LOG = Logger.getLogger(PatientDataCollector.class);

    /** A hook call that cannot be answered for want of data: 412 Precondition Failed. */
    public static final class PreconditionFailed extends RuntimeException {
        public PreconditionFailed(String message) {
            super(message, null, false, false);
        }
    }

    /** The collected resources, with the fullUrl each arrived under (for reference resolution). */
    public record Collected(List<String> fullUrls, List<Resource> resources, int fetchedReads) {
        public ResourceIndex index() {
            ResourceIndex index = new ResourceIndex();
            for (int i = 0; i < resources.size(); i++) {
                index.add(fullUrls.get(i), resources.get(i));
            }
            return index;
        }
    }

    private final HookCallParser parser;
    private final FhirServerReader reader;
    private final Terminology terminology;
    private final Clock clock;

    public PatientDataCollector(HookCallParser parser, FhirServerReader reader, Terminology terminology, Clock clock) {
        this.parser = parser;
        this.reader = reader;
        this.terminology = terminology;
        this.clock = clock;
    }

    /**
     * @param extra resources the call itself carries (draft orders), indexed with the rest so that
     *              their references resolve
     */
    public Collected collect(HookCall call, List<Bundle.BundleEntryComponent> extra) {
        Instant started = clock.instant();
        Sink sink = new Sink();
        List<FhirServerReader.Task> tasks = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (PrefetchQuery q : call.service().prefetch()) {
            JsonNode value = call.prefetch().get(q.key());
            if (value == null) {
                missing.add("prefetch '" + q.key() + "' was not sent");
                tasks.add(task(q, call.patientId()));
                continue;
            }
            if (value.isNull()) {
                continue; // the EHR has no data for this key
            }
            IBaseResource r = parser.resource(value, "prefetch." + q.key());
            if (r instanceof Resource res && !aboutPatient(res, call.patientRef())) {
                // prefetch for another chart (an EHR bug, or a mix-up of sessions): evaluating it would
                // describe the wrong person, or this one with the sex unknown; the key names no patient
                LOG.infof("%s: prefetch '%s' holds another patient's data than context.patientId; not used",
                        call.service().id(), q.key());
                missing.add("prefetch '" + q.key() + "' holds data of another patient than context.patientId");
                tasks.add(task(q, call.patientId()));
            } else if (r instanceof OperationOutcome) {
                missing.add("prefetch '" + q.key() + "' is an OperationOutcome (the EHR could not fetch it)");
                tasks.add(task(q, call.patientId()));
            } else if (r instanceof Bundle b) {
                sink.addBundle(b);
                Bundle.BundleLinkComponent next = b.getLink(Bundle.LINK_NEXT);
                if (next != null && next.hasUrl()) {
                    missing.add("prefetch '" + q.key() + "' is one page of several");
                    tasks.add(FhirServerReader.Task.nextPages(q.key(), next.getUrl()));
                }
            } else if (r instanceof Resource res) {
                sink.add(null, res);
            }
        }
        int fetched = 0;
        if (!tasks.isEmpty()) {
            if (!call.canFetch()) {
                throw new PreconditionFailed("e2guard cannot evaluate this patient without the data it needs: "
                        + String.join("; ", missing) + ", and the request has no fhirServer with fhirAuthorization "
                        + "to read it from.");
            }
            fetched += read(call, tasks, sink, started);
        }
        for (Bundle.BundleEntryComponent e : extra) {
            if (e.hasResource()) {
                sink.add(e.getFullUrl(), e.getResource());
            }
        }
        if (call.canFetch()) {
            // references the 2.0 prefetch subset cannot include (_include is not in it)
            List<FhirServerReader.Task> followUps = followUps(sink);
            if (!followUps.isEmpty()) {
                fetched += read(call, followUps, sink, started);
            }
        }
        return new Collected(sink.fullUrls, sink.resources, fetched);
    }

    private int read(HookCall call, List<FhirServerReader.Task> tasks, Sink sink, Instant started) {
        List<FhirServerReader.Result> results;
        try {
            results = reader.readAll(call.fhirServer(), call.accessToken(), tasks, started);
        } catch (FhirServerReader.Unavailable e) {
            throw new PreconditionFailed("e2guard could not read the data it needs from fhirServer: " + e.getMessage()
                    + ".");
        }
        int n = 0;
        for (FhirServerReader.Result r : results) {
            for (Bundle page : r.pages()) {
                sink.addBundle(page);
                n++;
            }
            if (r.resource() instanceof Resource res) {
                sink.add(null, res);
                n++;
            }
        }
        LOG.debugf("read %d pages/resources from fhirServer for %s", n, call.service().id());
        return n;
    }

    /**
     * Whether a prefetch answer is this patient's: a Patient with the call's id, or a Bundle none
     * of whose resources names another patient as its subject. References the service cannot
     * place (bundle-local, contained) are left to the grouper, which ignores them with a notice.
     */
    static boolean aboutPatient(Resource r, String patientRef) {
        if (r instanceof Bundle b) {
            for (Bundle.BundleEntryComponent e : b.getEntry()) {
                if (e.hasResource() && !(e.getResource() instanceof Bundle) && !aboutPatient(e.getResource(), patientRef)) {
                    return false;
                }
            }
            return true;
        }
        if (r instanceof Patient p) {
            return patientRef.equals("Patient/" + p.getIdElement().getIdPart());
        }
        Reference subject = PatientGrouper.subjectReference(r);
        if (subject == null || !subject.hasReference()) {
            return true;
        }
        String s = subject.getReference();
        if (s.startsWith("urn:") || s.startsWith("#")) {
            return true;
        }
        String typeAndId = ResourceIndex.typeAndId(s);
        return !typeAndId.startsWith("Patient/") || typeAndId.equals(patientRef);
    }

    private static FhirServerReader.Task task(PrefetchQuery q, String patientId) {
        return q.read() ? FhirServerReader.Task.read(q.key(), q.forPatient(patientId))
                : FhirServerReader.Task.search(q.key(), q.forPatient(patientId));
    }

    /**
     * Medications referenced by medication records and results referenced by DXA reports that are
     * not among the resources: read by {@code _id}.
     */
    private List<FhirServerReader.Task> followUps(Sink sink) {
        ResourceIndex index = sink.index();
        Set<String> medications = new LinkedHashSet<>();
        Set<String> observations = new LinkedHashSet<>();
        for (Resource r : sink.resources) {
            Type med = r instanceof MedicationRequest m ? m.getMedication()
                    : r instanceof MedicationStatement m ? m.getMedication()
                    : r instanceof MedicationAdministration m ? m.getMedication() : null;
            if (med instanceof Reference ref) {
                unresolvedId(index, ref, r, "Medication").ifPresent(medications::add);
            }
            if (r instanceof DiagnosticReport d && terminology.isDxaReport(d.getCode())) {
                for (Reference result : d.getResult()) {
                    unresolvedId(index, result, r, "Observation").ifPresent(observations::add);
                }
            }
        }
        List<FhirServerReader.Task> out = new ArrayList<>();
        if (!medications.isEmpty()) {
            out.add(FhirServerReader.Task.search("medications", "Medication?_id=" + String.join(",", medications)));
        }
        if (!observations.isEmpty()) {
            out.add(FhirServerReader.Task.search("dxaReportResults", "Observation?_id=" + String.join(",", observations)));
        }
        return out;
    }

    /** The id of a relative {@code Type/id} reference that does not resolve among the resources. */
    private static java.util.Optional<String> unresolvedId(ResourceIndex index, Reference ref, Resource from, String type) {
        if (!ref.hasReference() || index.resolve(ref, from) != null) {
            return java.util.Optional.empty();
        }
        String s = ref.getReference();
        if (s.startsWith("#") || s.startsWith("urn:") || s.contains("://")) {
            return java.util.Optional.empty(); // contained, bundle-local or on another server: not readable here
        }
        String typeAndId = ResourceIndex.typeAndId(s);
        if (!typeAndId.startsWith(type + "/")) {
            return java.util.Optional.empty();
        }
        String id = typeAndId.substring(type.length() + 1);
        return id.matches("[A-Za-z0-9\\-.]{1,64}") ? java.util.Optional.of(id) : java.util.Optional.empty();
    }

    /** Collects resources once each: the same Type/id from two keys or pages is kept once. */
    private static final class Sink {
        final List<String> fullUrls = new ArrayList<>();
        final List<Resource> resources = new ArrayList<>();
        final Set<String> seen = new HashSet<>();

        void addBundle(Bundle b) {
            for (Bundle.BundleEntryComponent e : b.getEntry()) {
                if (!e.hasResource() || e.getResource() instanceof OperationOutcome
                        || (e.hasSearch() && e.getSearch().getMode() == Bundle.SearchEntryMode.OUTCOME)) {
                    continue; // search warnings are not patient data
                }
                add(e.getFullUrl(), e.getResource());
            }
        }

        void add(String fullUrl, Resource r) {
            String id = r.getIdElement().getIdPart();
            if (id != null && !seen.add(r.fhirType() + "/" + id)) {
                return;
            }
            fullUrls.add(fullUrl);
            resources.add(r);
        }

        ResourceIndex index() {
            ResourceIndex index = new ResourceIndex();
            for (int i = 0; i < resources.size(); i++) {
                index.add(fullUrls.get(i), resources.get(i));
            }
            return index;
        }
    }
}
