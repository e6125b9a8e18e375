package org.e2guard.writeback;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
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
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.util.UrlUtil;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Writes a patient's findings to an EHR: exactly the difference from what was last written
 * ({@link WritebackPlanner}), in one {@code transaction} per patient, each resource by a
 * conditional update on its deterministic identifier ({@code PUT DetectedIssue?identifier=system|value}),
 * so a repeated or concurrent write updates instead of duplicating. e2guard's Device is created
 * once per EHR (conditional create on its identifier) and every reference is rewritten to the
 * EHR's ids. Each new version gets a Provenance naming the Device as author, in a second
 * transaction (it names the version the first one produced). Two requests per patient, whatever
 * the number of findings. The last-written state is recorded once both succeeded; a failure in
 * between is retried as a whole: the conditional updates make the retry update the same resources
 * (see {@link #provenances} for the Provenances).
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
        return apply(ehr, patientId, evaluation, record, asOf, null);
    }

    /**
     * The same, for a re-evaluation a notification caused: {@code notifiedAt}, when that notification
     * arrived (null: unknown), is kept with what was written.
     */
    public Result apply(Ehr ehr, String patientId, Evaluation evaluation, Supplier<PatientRecord> record, Instant asOf,
                        Instant notifiedAt) {
        Instant now = clock.instant();
        List<WrittenState> written = store.forPatient(ehr.name(), patientId);
        List<PlannedWrite> plan = planner.plan(evaluation, record, written, asOf, now);
        if (plan.isEmpty()) {
            return new Result(0, 0, true);
        }
        Map<String, WrittenState> byIdentifier = new HashMap<>();
        written.forEach(s -> byIdentifier.put(key(s.resourceType(), s.identifier()), s));
        String deviceId = ensureDevice(ehr);
        List<Bundle.BundleEntryComponent> results = transaction(ehr, writes(deviceId, plan, byIdentifier));
        List<Written> done = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            PlannedWrite w = plan.get(i);
            done.add(written(ehr, w, byIdentifier.get(key(w.resourceType(), w.identifier())), results.get(i)));
        }
        provenances(ehr, deviceId, done);
        Instant writtenAt = clock.instant();
        int resolved = 0;
        for (Written d : done) {
            PlannedWrite w = d.write();
            store.save(ehr.name(), new WrittenState(w.resourceType(), w.identifier(), patientId, w.rule(), w.status(), w.hash(),
                    d.ehrId(), d.version(), w.firstIdentified(), ctx.newJsonParser().encodeResourceToString(w.resource()), writtenAt),
                    notifiedAt);
            if (WrittenState.RESOLVED.equals(w.status())) {
                resolved++;
            }
        }
        return new Result(plan.size(), resolved, false);
    }

    /** One planned write as the EHR took it: its id, version, and whether it needs a Provenance. */
    private record Written(PlannedWrite write, String ehrId, String version, boolean created, boolean newVersion) {
    }

    private static String key(String resourceType, String identifier) {
        return resourceType + "|" + identifier;
    }

    /**
     * The patient's writes as one {@code transaction}: each a conditional update on its identifier
     * (a retried transaction updates the same resources instead of duplicating them), the Flag's
     * references to DetectedIssues written alongside it by their entries' placeholders, which the
     * EHR resolves to the ids it assigns. All or nothing: a failed transaction leaves the EHR as it was.
     */
    private Bundle writes(String deviceId, List<PlannedWrite> plan, Map<String, WrittenState> byIdentifier) {
        Map<String, String> placeholders = new HashMap<>();
        plan.forEach(w -> placeholders.put(key(w.resourceType(), w.identifier()), IdType.newRandomUuid().getValue()));
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (PlannedWrite w : plan) {
            WrittenState previous = byIdentifier.get(key(w.resourceType(), w.identifier()));
            Resource r = w.resource().copy();
            rewriteReferences(r, deviceId, byIdentifier, placeholders);
            r.setId(previous != null && previous.ehrId() != null ? w.resourceType() + "/" + previous.ehrId() : null);
            tx.addEntry().setFullUrl(placeholders.get(key(w.resourceType(), w.identifier()))).setResource(r).getRequest()
                    .setMethod(Bundle.HTTPVerb.PUT)
                    .setUrl(w.resourceType() + "?identifier=" + UrlUtil.escapeUrlParam(w.identifierSystem()) + "|"
                            + UrlUtil.escapeUrlParam(w.identifier()));
        }
        return tx;
    }

    /** Sends a transaction; the response entries, one per request entry and in its order. */
    private List<Bundle.BundleEntryComponent> transaction(Ehr ehr, Bundle tx) {
        Bundle response;
        try {
            response = ehr.client().transaction().withBundle(tx).execute();
        } catch (RuntimeException e) {
            EhrException failure = EhrException.of(e);
            if (failure.reason() == EhrException.Reason.REJECTED) {
                // the EHR may have lost e2guard's Device; ensure it again on the next attempt
                devices.remove(ehr.name());
                store.forgetDevice(ehr.name());
            }
            throw failure;
        }
        if (response.getEntry().size() != tx.getEntry().size()) {
            throw new EhrException(EhrException.Reason.REJECTED, 0, "the EHR answered a transaction of " + tx.getEntry().size()
                    + " entries with " + response.getEntry().size(), null);
        }
        return response.getEntry();
    }

    private Written written(Ehr ehr, PlannedWrite w, WrittenState previous, Bundle.BundleEntryComponent result) {
        String location = result.getResponse().getLocation();
        IdType id = location == null ? null : new IdType(location);
        String ehrId = id != null && id.hasIdPart() ? id.getIdPart() : findId(ehr, w);
        String version = id != null && id.hasVersionIdPart() ? id.getVersionIdPart()
                : result.getResponse().hasEtag() ? result.getResponse().getEtag().replaceAll("^W/\"|\"$", "") : null;
        boolean created = result.getResponse().getStatus() != null && result.getResponse().getStatus().startsWith("201")
                || previous == null || previous.ehrId() == null;
        boolean newVersion = version == null || previous == null || !version.equals(previous.ehrVersion());
        return new Written(w, ehrId, version, created, newVersion);
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
    private static void rewriteReferences(Resource r, String deviceId, Map<String, WrittenState> byIdentifier,
                                          Map<String, String> placeholders) {
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
                String key = key("DetectedIssue", ref.getReference().substring(ref.getReference().lastIndexOf('/') + 1));
                String placeholder = placeholders.get(key);
                if (placeholder != null) {
                    ext.setValue(new Reference(placeholder));
                    return false;
                }
                WrittenState issue = byIdentifier.get(key);
                if (issue == null || issue.ehrId() == null) {
                    return true;
                }
                ext.setValue(new Reference("DetectedIssue/" + issue.ehrId()));
                return false;
            });
        }
    }

    /**
     * A Provenance per new version, naming that version: sent after the writes (their versions are
     * the EHR's to assign), all in one transaction. A version already recorded as written gets no
     * second Provenance. Provenance has no identifier to make its create conditional, so a crash
     * after this transaction and before the bookkeeping can leave a second Provenance naming the same
     * version on retry; the resources themselves are never duplicated.
     */
    private void provenances(Ehr ehr, String deviceId, List<Written> done) {
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Written d : done) {
            if (d.newVersion()) {
                tx.addEntry().setResource(provenance(deviceId, d)).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Provenance");
            }
        }
        if (tx.hasEntry()) {
            transaction(ehr, tx);
        }
    }

    private Provenance provenance(String deviceId, Written d) {
        String type = d.write().resourceType();
        Resource target = type.equals("Flag") ? new Flag() : new DetectedIssue();
        target.setId(d.ehrId());
        Provenance p = EvaluationBundle.provenance(List.of(target), clock.instant());
        p.setId((String) null);
        p.getTargetFirstRep().setReference(type + "/" + d.ehrId() + (d.version() == null ? "" : "/_history/" + d.version()));
        if (!d.created()) {
            p.setActivity(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                    "UPDATE", "revise")));
        }
        p.getAgentFirstRep().getWho().setReference("Device/" + deviceId);
        return p;
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
