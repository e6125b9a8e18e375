package org.e2guard.subscription;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrException;
import org.e2guard.ehr.EhrLocks;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.PatientContextFetcher;
import org.e2guard.ehr.RuleCodes;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.outbox.JobHandler;
import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.OutboxJob;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.jboss.logging.Logger;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.gclient.UriClientParam;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Makes sure each EHR holds e2guard's R4 Subscriptions: one per resource type the rules read
 * (Observation for the estradiol, DXA, vitamin D and calcium codes of the loaded value sets;
 * MedicationStatement; MedicationRequest), rest-hook to {@code <public-url>/ehr-notifications/<ehr>},
 * full {@code application/fhir+json} payload, the secret header.
 *
 * <p>Idempotent across restarts and replicas: e2guard's Subscriptions carry a tag naming the
 * resource type and are found by that tag and the endpoint; a missing one is created with a
 * conditional create on the same; the whole check runs under a cluster-wide advisory lock. A
 * Subscription that drifted (criteria, header, payload) is updated; one in status {@code error}
 * or {@code off} is set back to {@code requested}, which servers activate again; duplicates
 * carrying e2guard's tag for the same endpoint are deleted.
 *
 * <p>Every replica must use the same {@code e2guard.subscription.public-url}: Subscriptions are
 * kept per endpoint, so two URLs make two sets and every notification arrives twice. e2guard-tagged
 * Subscriptions with another endpoint are therefore reported (a warning naming both URLs, and
 * {@link #otherEndpoints(String)}), never deleted: they may be another deployment's on purpose.
 */
@ApplicationScoped
public class SubscriptionRegistrar implements JobHandler {
    private static final Logger LOG = Logger.getLogger(SubscriptionRegistrar.class);
    /** The tag system on e2guard's Subscriptions; the code is the resource type. */
    public static final String TAG_SYSTEM = Canonical.BASE + "/CodeSystem/subscription";
    public static final String PAYLOAD = "application/fhir+json";

    private final EhrRegistry ehrs;
    private final RuleCodes codes;
    private final EhrLocks locks;
    private final SubscriptionConfig config;
    /** Per EHR, the endpoints of e2guard-tagged Subscriptions that are not this replica's. */
    private final Map<String, Set<String>> otherEndpoints = new ConcurrentHashMap<>();

    public SubscriptionRegistrar(EhrRegistry ehrs, RuleCodes codes, EhrLocks locks, SubscriptionConfig config) {
        this.ehrs = ehrs;
        this.codes = codes;
        this.locks = locks;
        this.config = config;
    }

    @Override
    public String kind() {
        return Kinds.SUBSCRIBE;
    }

    @Override
    public void handle(OutboxJob job) {
        ehrs.find(job.ehr()).filter(Ehr::pushEnabled).ifPresent(this::ensure);
    }

    /** What the registrar did for one resource type. */
    public enum Outcome { UNCHANGED, CREATED, UPDATED, REACTIVATED }

    /** Ensures every e2guard Subscription on the EHR; returns what was done, per type, in order. */
    public List<Outcome> ensure(Ehr ehr) {
        return locks.withLock("e2guard-subscriptions:" + ehr.name(), () -> {
            List<Outcome> out = new ArrayList<>();
            for (Subscription desired : desired(ehr)) {
                out.add(ensureOne(ehr, desired));
            }
            return out;
        });
    }

    /** Endpoints of e2guard-tagged Subscriptions on the EHR other than this replica's, as last seen. */
    public Set<String> otherEndpoints(String ehr) {
        return Set.copyOf(otherEndpoints.getOrDefault(ehr, Set.of()));
    }

    /** The endpoint the EHR notifies. */
    public String endpoint(Ehr ehr) {
        String base = config.publicUrl().orElseThrow(
                () -> new IllegalStateException("e2guard.subscription.public-url is not set"));
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/ehr-notifications/" + ehr.name();
    }

    List<Subscription> desired(Ehr ehr) {
        List<Subscription> out = new ArrayList<>();
        out.add(subscription(ehr, "Observation", "Observation?code=" + RuleCodes.tokens(codes.subscribedObservations())));
        out.add(subscription(ehr, "MedicationStatement", "MedicationStatement?"));
        out.add(subscription(ehr, "MedicationRequest", "MedicationRequest?"));
        out.add(subscription(ehr, "Procedure", "Procedure?code=" + RuleCodes.tokens(codes.dxaProcedures())));
        return out;
    }

    private Subscription subscription(Ehr ehr, String type, String criteria) {
        Subscription s = new Subscription();
        s.getMeta().addTag(TAG_SYSTEM, type, "e2guard re-evaluation trigger");
        s.setStatus(Subscription.SubscriptionStatus.REQUESTED);
        s.setReason("e2guard re-evaluates its bone-safety rules when a patient's " + type + " changes");
        s.setCriteria(criteria);
        s.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint(ehr))
                .setPayload(PAYLOAD).addHeader(config.secretHeader() + ": " + ehr.config().push().secret().orElseThrow());
        return s;
    }

    private Outcome ensureOne(Ehr ehr, Subscription desired) {
        String type = desired.getMeta().getTagFirstRep().getCode();
        List<Subscription> existing = find(ehr, type, desired.getChannel().getEndpoint());
        try {
            if (existing.isEmpty()) {
                MethodOutcome created = ehr.client().create().resource(desired).conditional()
                        .where(new TokenClientParam("_tag").exactly().systemAndCode(TAG_SYSTEM, type))
                        .and(new UriClientParam("url").matches().value(desired.getChannel().getEndpoint()))
                        .execute();
                LOG.infof("EHR %s: created e2guard's %s Subscription%s", ehr.name(), type,
                        Boolean.TRUE.equals(created.getCreated()) ? "" : " (it existed already)");
                return Outcome.CREATED;
            }
            existing.sort(Comparator.comparing(s -> s.getIdElement().getIdPart()));
            Subscription keep = existing.get(0);
            for (Subscription extra : existing.subList(1, existing.size())) {
                ehr.client().delete().resourceById(extra.getIdElement().toUnqualifiedVersionless()).execute();
                LOG.warnf("EHR %s: deleted a duplicate e2guard %s Subscription", ehr.name(), type);
            }
            boolean off = keep.getStatus() == Subscription.SubscriptionStatus.ERROR
                    || keep.getStatus() == Subscription.SubscriptionStatus.OFF || !keep.hasStatus();
            if (!off && same(keep, desired)) {
                return Outcome.UNCHANGED;
            }
            Subscription update = desired.copy();
            update.setId(keep.getIdElement().toUnqualifiedVersionless());
            ehr.client().update().resource(update).execute();
            LOG.infof("EHR %s: %s e2guard's %s Subscription", ehr.name(), off ? "re-activated" : "updated", type);
            return off ? Outcome.REACTIVATED : Outcome.UPDATED;
        } catch (RuntimeException e) {
            throw EhrException.of(e);
        }
    }

    /** e2guard's Subscriptions of a type on this endpoint: by tag, or by endpoint where tag search is refused. */
    private List<Subscription> find(Ehr ehr, String type, String endpoint) {
        List<Resource> found;
        try {
            found = PatientContextFetcher.all(ehr, ehr.client().search().forResource(Subscription.class)
                    .where(new TokenClientParam("_tag").exactly().systemAndCode(TAG_SYSTEM, type)));
        } catch (RuntimeException e) {
            EhrException failure = EhrException.of(e);
            if (failure.reason() != EhrException.Reason.REJECTED) {
                throw failure;
            }
            found = PatientContextFetcher.all(ehr, ehr.client().search().forResource(Subscription.class)
                    .where(new UriClientParam("url").matches().value(endpoint)));
        }
        List<Subscription> out = new ArrayList<>();
        for (Resource r : found) {
            if (r instanceof Subscription s && (s.getMeta().getTag(TAG_SYSTEM, type) != null
                    || (s.hasCriteria() && s.getCriteria().startsWith(type + "?")))) {
                if (endpoint.equals(s.getChannel().getEndpoint())) {
                    out.add(s);
                } else if (s.getMeta().getTag(TAG_SYSTEM, type) != null && s.getChannel().hasEndpoint()) {
                    otherEndpoint(ehr, s.getChannel().getEndpoint(), endpoint);
                }
            }
        }
        return out;
    }

    private void otherEndpoint(Ehr ehr, String theirs, String ours) {
        if (otherEndpoints.computeIfAbsent(ehr.name(), k -> ConcurrentHashMap.newKeySet()).add(theirs)) {
            LOG.warnf("EHR %s holds e2guard Subscriptions that notify %s, but this replica's e2guard.subscription.public-url "
                    + "gives %s. All replicas must share one public URL: each URL keeps Subscriptions of its own and every "
                    + "notification then arrives once per URL. Set the same URL everywhere and delete the Subscriptions of the "
                    + "other one if no deployment uses it.", ehr.name(), theirs, ours);
        }
    }

    private static boolean same(Subscription a, Subscription b) {
        return Objects.equals(a.getCriteria(), b.getCriteria())
                && a.getChannel().getType() == b.getChannel().getType()
                && Objects.equals(a.getChannel().getEndpoint(), b.getChannel().getEndpoint())
                && Objects.equals(a.getChannel().getPayload(), b.getChannel().getPayload())
                && a.getChannel().getHeader().stream().map(StringType::getValue).toList()
                        .equals(b.getChannel().getHeader().stream().map(StringType::getValue).toList());
    }
}
