package org.e2guard.writeback;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrException;
import org.e2guard.ehr.EhrLocks;
import org.e2guard.engine.Evaluation;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.mapping.output.EvaluationBundle;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.timeline.PatientRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Writes a patient's findings to an EHR: exactly the difference from what was last written
 * ({@link WritebackPlanner}), each resource by a conditional update on its deterministic
 * identifier ({@code PUT DetectedIssue?identifier=system|value}), so a repeated or concurrent
 * write updates instead of duplicating. e2guard's Device is created once per EHR (conditional
 * create on its identifier) and every reference is rewritten to the EHR's ids. Each write gets a
 * Provenance naming the Device as author. The last-written state is recorded after each
 * successful write, so a failure half-way resumes where it stopped.
 */
@ApplicationScoped
public class WritebackService {
    private static final Logger LOG = Logger.getLogger(WritebackService.class);
    private static final TokenClientParam IDENTIFIER = new TokenClientParam("identifier");

    private final WritebackStore store;
    private final EhrLocks locks;
    private final FhirContext ctx;
    private final Clock clock;
    private final FindingResources resources;
    private final WritebackPlanner planner;
    /** The EHRs' Device ids, as recorded in the database (read once per EHR and replica). */
    private final Map<String, String> devices = new java.util.concurrent.ConcurrentHashMap<>();

    public WritebackService(WritebackStore store, EhrLocks locks, FhirContext ctx, Clock clock, RulesConfig rules,
                            @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.store = store;
        this.locks = locks;
        this.ctx = ctx;
        this.clock = clock;
        this.resources = new FindingResources(version);
        this.planner = new WritebackPlanner(resources, ctx, rules.modes());
    }

    /** What one write-back did. */
    public record Result(int written, int resolved, boolean unchanged) {
    }

    /** Plans and delivers the difference between an evaluation and what the EHR last got from e2guard. */
    public Result apply(Ehr ehr, String patientId, Evaluation evaluation, Supplier<PatientRecord> record, Instant asOf) {
        Instant now = clock.instant();
        List<WrittenState> written = store.forPatient(ehr.name(), patientId);
        List<PlannedWrite> plan = planner.plan(evaluation, record, written, asOf, now);
        if (plan.isEmpty()) {
            return new Result(0, 0, true);
        }
        Map<String, WrittenState> byIdentifier = new HashMap<>();
        written.forEach(s -> byIdentifier.put(s.resourceType() + "|" + s.identifier(), s));
        String deviceId = ensureDevice(ehr);
        int resolved = 0;
        for (PlannedWrite w : plan) {
            WrittenState previous = byIdentifier.get(w.resourceType() + "|" + w.identifier());
            WrittenState state = write(ehr, deviceId, patientId, w, previous, byIdentifier);
            byIdentifier.put(w.resourceType() + "|" + w.identifier(), state);
            if (WrittenState.RESOLVED.equals(w.status())) {
                resolved++;
            }
        }
        return new Result(plan.size(), resolved, false);
    }

    private WrittenState write(Ehr ehr, String deviceId, String patientId, PlannedWrite w, WrittenState previous,
                               Map<String, WrittenState> byIdentifier) {
        Resource r = w.resource().copy();
        rewriteReferences(r, deviceId, byIdentifier);
        r.setId(previous != null && previous.ehrId() != null ? w.resourceType() + "/" + previous.ehrId() : null);
        MethodOutcome outcome;
        try {
            outcome = ehr.client().update().resource(r).conditional()
                    .where(IDENTIFIER.exactly().systemAndIdentifier(w.identifierSystem(), w.identifier()))
                    .execute();
        } catch (RuntimeException e) {
            EhrException failure = EhrException.of(e);
            if (failure.reason() == EhrException.Reason.REJECTED) {
                // the EHR may have lost e2guard's Device; ensure it again on the next attempt
                devices.remove(ehr.name());
                store.forgetDevice(ehr.name());
            }
            throw failure;
        }
        IIdType id = outcome.getId();
        String ehrId = id != null && id.hasIdPart() ? id.getIdPart() : findId(ehr, w);
        String version = id != null && id.hasVersionIdPart() ? id.getVersionIdPart() : null;
        boolean created = Boolean.TRUE.equals(outcome.getCreated()) || previous == null || previous.ehrId() == null;
        boolean newVersion = version == null || previous == null || !version.equals(previous.ehrVersion());
        if (newVersion) {
            provenance(ehr, deviceId, w.resourceType(), ehrId, version, created);
        }
        WrittenState state = new WrittenState(w.resourceType(), w.identifier(), patientId, w.rule(), w.status(), w.hash(),
                ehrId, version, w.firstIdentified(), ctx.newJsonParser().encodeResourceToString(w.resource()), clock.instant());
        store.save(ehr.name(), state);
        return state;
    }

    /** The EHR's id of a resource by its identifier, for servers that answer a write without a Location. */
    private String findId(Ehr ehr, PlannedWrite w) {
        Bundle found = ehr.client().search().forResource(w.resourceType())
                .where(IDENTIFIER.exactly().systemAndIdentifier(w.identifierSystem(), w.identifier()))
                .returnBundle(Bundle.class).execute();
        if (found.getEntry().size() != 1) {
            throw new EhrException(EhrException.Reason.REJECTED, 0, "the EHR accepted a " + w.resourceType()
                    + " write but it cannot be found by its identifier (" + found.getEntry().size() + " matches)", null);
        }
        return found.getEntryFirstRep().getResource().getIdElement().getIdPart();
    }

    /** e2guard's references to itself and to its DetectedIssues, rewritten to the EHR's ids. */
    private static void rewriteReferences(Resource r, String deviceId, Map<String, WrittenState> byIdentifier) {
        String device = "Device/" + deviceId;
        if (r instanceof DetectedIssue di) {
            if (di.hasAuthor()) {
                di.getAuthor().setReference(device);
            }
        } else if (r instanceof Flag flag) {
            if (flag.hasAuthor()) {
                flag.getAuthor().setReference(device);
            }
            flag.getExtension().removeIf(ext -> {
                if (!Canonical.EXT_FLAG_DETAIL.equals(ext.getUrl()) || !(ext.getValue() instanceof Reference ref)) {
                    return false;
                }
                String key = ref.getReference().substring(ref.getReference().lastIndexOf('/') + 1);
                WrittenState issue = byIdentifier.get("DetectedIssue|" + key);
                if (issue == null || issue.ehrId() == null) {
                    return true;
                }
                ext.setValue(new Reference("DetectedIssue/" + issue.ehrId()));
                return false;
            });
        }
    }

    private void provenance(Ehr ehr, String deviceId, String type, String ehrId, String version, boolean created) {
        Resource target = type.equals("Flag") ? new Flag() : new DetectedIssue();
        target.setId(ehrId);
        Provenance p = EvaluationBundle.provenance(List.of(target), clock.instant());
        p.setId((String) null);
        p.getTargetFirstRep().setReference(type + "/" + ehrId + (version == null ? "" : "/_history/" + version));
        if (!created) {
            p.setActivity(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                    "UPDATE", "revise")));
        }
        p.getAgentFirstRep().getWho().setReference("Device/" + deviceId);
        ehr.client().create().resource(p).execute();
    }

    /**
     * The EHR's id of e2guard's Device: remembered per EHR, else found or created by a conditional
     * create on its identifier, under a cluster-wide lock so that replicas do not race.
     */
    String ensureDevice(Ehr ehr) {
        String cached = devices.get(ehr.name());
        if (cached != null) {
            return cached;
        }
        Optional<String> known = store.deviceId(ehr.name());
        if (known.isPresent()) {
            devices.put(ehr.name(), known.get());
            return known.get();
        }
        return locks.withLock("e2guard-device:" + ehr.name(), () -> store.deviceId(ehr.name()).orElseGet(() -> {
            Device d = resources.device();
            d.setId((String) null);
            String id;
            try {
                MethodOutcome outcome = ehr.client().create().resource(d).conditional()
                        .where(IDENTIFIER.exactly().systemAndIdentifier(Canonical.DEVICE_ID_SYSTEM, FindingResources.DEVICE_ID))
                        .execute();
                id = outcome.getId() != null && outcome.getId().hasIdPart() ? outcome.getId().getIdPart() : null;
            } catch (RuntimeException e) {
                throw EhrException.of(e);
            }
            if (id == null) {
                Bundle found = ehr.client().search().forResource(Device.class)
                        .where(IDENTIFIER.exactly().systemAndIdentifier(Canonical.DEVICE_ID_SYSTEM, FindingResources.DEVICE_ID))
                        .returnBundle(Bundle.class).execute();
                if (found.getEntry().isEmpty()) {
                    throw new EhrException(EhrException.Reason.REJECTED, 0, "the EHR accepted e2guard's Device but cannot find it", null);
                }
                id = found.getEntryFirstRep().getResource().getIdElement().getIdPart();
            }
            store.saveDeviceId(ehr.name(), id, clock.instant());
            devices.put(ehr.name(), id);
            LOG.infof("EHR %s: e2guard Device is Device/%s", ehr.name(), id);
            return id;
        }));
    }
}
