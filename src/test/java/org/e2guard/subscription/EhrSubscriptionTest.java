package org.e2guard.subscription;

import static io.restassured.RestAssured.given;
import static org.e2guard.subscription.EhrTestSupport.await;
import static org.e2guard.subscription.EhrTestSupport.drain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrLocks;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.RuleCodes;
import org.e2guard.ehr.testserver.EhrTestResource;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.platform.db.Jdbc;
import org.e2guard.writeback.WritebackPlanner;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.rest.gclient.TokenClientParam;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The subscription path end to end, over HTTP, against a real FHIR server standing in for the EHR
 * (HAPI FHIR plain server on Jetty) and e2guard's real PostgreSQL (embedded): Subscriptions,
 * every notification shape, evaluation, write-back, resolution, idempotency.
 */
@QuarkusTest
@WithTestResource(EhrTestResource.class)
class EhrSubscriptionTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "e2guard.test.ehr-port", defaultValue = "0")
    int ehrPort;
    @ConfigProperty(name = "e2guard.subscription.public-url", defaultValue = "http://localhost")
    String publicUrl;
    @Inject
    EhrRegistry ehrs;
    @Inject
    SubscriptionRegistrar registrar;
    @Inject
    RuleCodes codes;
    @Inject
    EhrLocks locks;
    @Inject
    SubscriptionConfig subscriptionConfig;
    @Inject
    Jdbc db;
    @Inject
    org.e2guard.outbox.OutboxWorkers workers;
    @Inject
    org.e2guard.outbox.WritebackConfig writebackConfig;

    EhrTestSupport t;

    @BeforeEach
    void setUp() {
        t = new EhrTestSupport(ehrPort, publicUrl);
        t.down(false);
        t.delivery(false);
    }

    // ---- subscriptions ------------------------------------------------------------------------

    @Test
    void subscriptionsAreCreatedOnceAcrossRestartsAndReplicasAndReactivated() throws Exception {
        await("the start-up registrar's Subscriptions", WAIT, () -> ours().size() == 4);
        Map<String, String> versions = versions(ours());

        // two replicas at once, then a "restarted" registrar built from scratch: nothing new
        Ehr main = ehrs.find("main").orElseThrow();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<SubscriptionRegistrar.Outcome>>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> registrar.ensure(main)));
            }
            for (Future<List<SubscriptionRegistrar.Outcome>> run : runs) {
                assertEquals(List.of(SubscriptionRegistrar.Outcome.UNCHANGED, SubscriptionRegistrar.Outcome.UNCHANGED,
                        SubscriptionRegistrar.Outcome.UNCHANGED, SubscriptionRegistrar.Outcome.UNCHANGED), run.get());
            }
        } finally {
            pool.shutdown();
        }
        SubscriptionRegistrar restarted = new SubscriptionRegistrar(ehrs, codes, locks, subscriptionConfig);
        restarted.ensure(main);
        assertEquals(versions, versions(ours()), "no Subscription created or rewritten");

        Subscription observation = ours().stream().filter(s -> s.getCriteria().startsWith("Observation?")).findFirst().orElseThrow();
        // codes come from the loaded value sets: estradiol (both kinds), DXA, vitamin D, calcium; not testosterone
        assertTrue(observation.getCriteria().contains("http://loinc.org|35384-7"));
        assertTrue(observation.getCriteria().contains("http://loinc.org|2243-4"));
        assertTrue(observation.getCriteria().contains("http://loinc.org|38267-1"));
        assertTrue(observation.getCriteria().contains("http://loinc.org|62292-8"));
        assertTrue(observation.getCriteria().contains("http://loinc.org|17861-6"));
        assertTrue(observation.getCriteria().contains("http://loinc.org|49765-1"), "blood calcium (ruleset 1.1)");
        assertFalse(observation.getCriteria().contains("2986-8"), "testosterone is not subscribed to");
        // ruleset 1.1: a completed densitometry Procedure is a DXA on record
        Subscription procedure = ours().stream().filter(s -> s.getCriteria().startsWith("Procedure?")).findFirst().orElseThrow();
        assertTrue(procedure.getCriteria().contains("http://snomed.info/sct|312681000"));
        assertTrue(procedure.getCriteria().contains("http://www.ama-assn.org/go/cpt|77080"));
        assertEquals(publicUrl + "/ehr-notifications/main", observation.getChannel().getEndpoint());
        assertEquals("application/fhir+json", observation.getChannel().getPayload());
        assertEquals("X-E2guard-Secret: " + EhrTestResource.SECRET, observation.getChannel().getHeader().get(0).getValue());
        assertEquals(Subscription.SubscriptionStatus.ACTIVE, observation.getStatus());

        // the EHR turned one off (as servers do after failures) and someone made a duplicate
        Subscription broken = observation.copy();
        broken.setStatus(Subscription.SubscriptionStatus.ERROR);
        broken.setError("delivery failed");
        t.ehr.update().resource(broken).execute();
        Subscription duplicate = observation.copy();
        duplicate.setId((String) null);
        t.ehr.create().resource(duplicate).execute();
        assertEquals(5, ours().size());

        List<SubscriptionRegistrar.Outcome> outcomes = registrar.ensure(main);
        assertEquals(SubscriptionRegistrar.Outcome.REACTIVATED, outcomes.get(0));
        List<Subscription> after = ours();
        assertEquals(4, after.size(), "the duplicate is gone");
        assertTrue(after.stream().allMatch(s -> s.getStatus() == Subscription.SubscriptionStatus.ACTIVE));
    }

    private List<Subscription> ours() {
        Bundle b = t.ehr.search().forResource(Subscription.class)
                .where(new TokenClientParam("_tag").exactly().systemAndCode(SubscriptionRegistrar.TAG_SYSTEM, "Observation"))
                .returnBundle(Bundle.class).execute();
        List<Subscription> out = new ArrayList<>();
        b.getEntry().forEach(e -> out.add((Subscription) e.getResource()));
        for (String type : List.of("MedicationStatement", "MedicationRequest", "Procedure")) {
            t.ehr.search().forResource(Subscription.class)
                    .where(new TokenClientParam("_tag").exactly().systemAndCode(SubscriptionRegistrar.TAG_SYSTEM, type))
                    .returnBundle(Bundle.class).execute().getEntry().forEach(e -> out.add((Subscription) e.getResource()));
        }
        return out;
    }

    private static Map<String, String> versions(List<? extends Resource> resources) {
        Map<String, String> out = new TreeMap<>();
        resources.forEach(r -> out.put(r.getIdElement().getIdPart(), r.getMeta().getVersionId()));
        return out;
    }

    // ---- notifications to findings ------------------------------------------------------------

    @Test
    void aPushedChangeLeadsToADetectedIssueAndAFlag_andTheSameNotificationAgainChangesNothing() {
        t.seed(Fixtures.manOnAnastrozole("push1"));
        t.delivery(true);
        // the EHR itself notifies e2guard (HAPI-style PUT with the resource) when the result is filed
        t.ehr.update().resource(Fixtures.estradiol("push1-e2", "push1", 14, 5)).execute();
        await("the Flag of push1", WAIT, () -> t.flags("push1").size() == 1);
        t.delivery(false);

        List<DetectedIssue> issues = t.issues("push1");
        assertEquals(1, issues.size());
        DetectedIssue di = issues.get(0);
        assertEquals("E2_SUPPRESSED", ruleCode(di));
        assertEquals(DetectedIssue.DetectedIssueStatus.FINAL, di.getStatus());
        assertEquals("Observation/push1-e2", di.getEvidenceFirstRep().getDetailFirstRep().getReference());
        Device device = t.ehr.read().resource(Device.class).withId(di.getAuthor().getReferenceElement().getIdPart()).execute();
        assertEquals("e2guard", device.getIdentifierFirstRep().getValue(), "the author is e2guard's Device, by the EHR's id");

        Flag flag = t.flags("push1").get(0);
        assertEquals(Flag.FlagStatus.ACTIVE, flag.getStatus());
        Extension detail = flag.getExtensionByUrl(Canonical.EXT_FLAG_DETAIL);
        assertEquals("DetectedIssue/" + di.getIdElement().getIdPart(), ((Reference) detail.getValue()).getReference(),
                "the Flag points at the DetectedIssue by the EHR's id");
        assertTrue(provenanceFor(di).isPresent(), "a Provenance names e2guard as author of the write");

        // HAPI FHIR re-delivers the same notification, twice
        Observation same = t.ehr.read().resource(Observation.class).withId("push1-e2").execute();
        Snapshot before = snapshot("push1");
        t.notifier().update().resource(same).execute();
        t.notifier().update().resource(same).execute();
        awaitIdle("push1");
        assertEquals(before, snapshot("push1"), "no resource and no version added");
    }

    @Test
    void aBurstOfNotificationsForOnePatientIsEvaluatedOnce() throws Exception {
        List<Resource> seed = new ArrayList<>(Fixtures.manOnAnastrozole("burst1"));
        List<Observation> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(Fixtures.estradiol("burst1-e2-" + i, "burst1", 14 + i, 10 - i));
        }
        seed.addAll(results);
        t.seed(seed);
        workers.stop();
        try {
            for (Observation o : results) {
                t.notifier().update().resource(o).execute();
            }
            // drive the queue by hand: the five notifications are older than the patient row they make
            while (count("SELECT count(*) FROM ehr_outbox WHERE kind = 'notification' AND state = 'pending'") > 0) {
                workers.runOne();
            }
            assertEquals(1, count("SELECT count(*) FROM ehr_outbox WHERE kind = 'patient' AND job_key = 'burst1'"));
            assertEquals(5, count("SELECT version FROM ehr_outbox WHERE kind = 'patient' AND job_key = 'burst1'"),
                    "five changes, one row");
        } finally {
            workers.start(writebackConfig.workers());
        }
        await("the Flag of burst1", WAIT, () -> t.flags("burst1").size() == 1);
        await("the patient row to be done", WAIT,
                () -> count("SELECT count(*) FROM ehr_outbox WHERE kind = 'patient' AND job_key = 'burst1'") == 0);
        assertEquals(1, t.issues("burst1").size());
        assertEquals("1", t.issues("burst1").get(0).getMeta().getVersionId(), "written once, from the newest result");
    }

    private long count(String sql) {
        return db.first(sql, rs -> rs.getLong(1)).orElse(0L);
    }

    @Test
    void aNewInRangeEstradiolResolvesTheFlagAndTheDetectedIssue() {
        List<Resource> seed = new ArrayList<>(Fixtures.manOnAnastrozole("res1"));
        seed.add(Fixtures.estradiol("res1-e2a", "res1", 14, 30));
        t.seed(seed);
        t.notifier().update().resource(seed.get(seed.size() - 1)).execute();
        await("the Flag of res1", WAIT, () -> t.flags("res1").size() == 1);

        Observation newer = Fixtures.estradiol("res1-e2b", "res1", 26, 1);
        t.seed(List.of(newer));
        t.notifier().update().resource(newer).execute();
        await("the Flag of res1 to be inactive", WAIT,
                () -> t.flags("res1").get(0).getStatus() == Flag.FlagStatus.INACTIVE);

        Flag flag = t.flags("res1").get(0);
        assertNotNull(flag.getPeriod().getEnd(), "period.end says when it stopped");
        DetectedIssue di = t.issues("res1").get(0);
        assertEquals(DetectedIssue.DetectedIssueStatus.AMENDED, di.getStatus());
        assertEquals("mitigated", di.getStatusElement().getExtensionByUrl(WritebackPlanner.R5_STATUS_EXTENSION)
                .getValue().primitiveValue());
        String why = di.getMitigationFirstRep().getAction().getText();
        assertTrue(why.startsWith("No longer fires on re-evaluation at "), why);
        assertTrue(why.contains("latest estradiol 26 pg/mL (95 pmol/L)"), why);
        assertEquals(1, t.issues("res1").size(), "resolved in place, not duplicated");
    }

    @Test
    void aBodilessPostRunsTheCatchUpSync() throws Exception {
        List<Resource> seed = new ArrayList<>(Fixtures.manOnAnastrozole("empty1"));
        t.seed(seed);
        // filed without any notification reaching e2guard (delivery is off)
        t.ehr.update().resource(Fixtures.estradiol("empty1-e2", "empty1", 12, 3)).execute();
        // a quiescent point instead of a pause: with the workers stopped, everything due is worked off here
        workers.stop();
        try {
            drain(workers);
            assertEquals(0, t.flags("empty1").size(), "nothing told e2guard about empty1 yet");
        } finally {
            workers.start(writebackConfig.workers());
        }

        // HAPI FHIR without payload: POST [endpoint], no body, form content type
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(t.notifications))
                .header("X-E2guard-Secret", EhrTestResource.SECRET)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/fhir+json"));
        await("the Flag of empty1 via the catch-up sync", WAIT, () -> t.flags("empty1").size() == 1);
    }

    @Test
    void aDeletionNotificationReevaluatesThePatientOfTheDeletedResource() {
        List<Resource> seed = new ArrayList<>(Fixtures.manOnAnastrozole("del1"));
        Observation e2 = Fixtures.estradiol("del1-e2", "del1", 14, 10);
        seed.add(e2);
        t.seed(seed);
        t.notifier().update().resource(e2).execute();
        await("the E2_SUPPRESSED finding of del1", WAIT, () -> t.issues("del1").size() == 1);

        t.ehr.delete().resourceById("Observation", "del1-e2").execute();
        // HAPI FHIR: DELETE [endpoint]/Observation/del1-e2; the resource is gone, the index knows its patient
        t.notifier().delete().resourceById("Observation", "del1-e2").execute();
        await("E2_SUPPRESSED resolved and E2_NOT_MONITORED raised", WAIT, () -> {
            List<DetectedIssue> issues = t.issues("del1");
            return issues.size() == 2 && issues.stream().anyMatch(i -> ruleCode(i).equals("E2_NOT_MONITORED")
                    && i.getStatus() == DetectedIssue.DetectedIssueStatus.FINAL)
                    && issues.stream().anyMatch(i -> ruleCode(i).equals("E2_SUPPRESSED")
                    && i.getStatus() == DetectedIssue.DetectedIssueStatus.AMENDED);
        });
        assertEquals(Flag.FlagStatus.ACTIVE, t.flags("del1").get(0).getStatus(), "another finding keeps the Flag active");
    }

    @Test
    void aBackportHistoryBundleIsHandledAndAnEventNumberGapIsRecovered() {
        t.seed(Fixtures.manOnAnastrozole("bp0"));
        Observation bp0e2 = Fixtures.estradiol("bp0-e2", "bp0", 15, 2);
        t.seed(List.of(bp0e2));
        List<Resource> lost = new ArrayList<>(Fixtures.manOnAnastrozole("bp1"));
        t.seed(lost);
        // bp1's result is filed, but its notification (event 2) never reaches e2guard
        t.ehr.update().resource(Fixtures.estradiol("bp1-e2", "bp1", 11, 2)).execute();

        String subscription = "http://ehr.example.org/fhir/Subscription/topic-1";
        Bundle handshake = notification(subscription, "handshake", 0L, List.of());
        Bundle answer = t.notifier().transaction().withBundle(handshake).execute();
        assertEquals(Bundle.BundleType.TRANSACTIONRESPONSE, answer.getType(), "answered like a FHIR server");

        Bundle event1 = notification(subscription, "event-notification", 1L, List.of(bp0e2));
        t.notifier().transaction().withBundle(event1).execute();
        await("the Flag of bp0 from event 1", WAIT, () -> t.flags("bp0").size() == 1);
        assertEquals(0, t.flags("bp1").size());

        // events 2 and 3 never arrived; event 4 (about bp0 again) reveals the gap
        Bundle event4 = notification(subscription, "event-notification", 4L, List.of(bp0e2));
        t.notifier().transaction().withBundle(event4).execute();
        await("bp1 recovered through the gap", WAIT, () -> t.flags("bp1").size() == 1);
    }

    /** A topic-based notification: SubscriptionStatus Parameters first, then the resources in full. */
    private Bundle notification(String subscription, String type, long eventNumber, List<? extends Resource> focus) {
        Bundle b = new Bundle().setType(Bundle.BundleType.HISTORY);
        b.getMeta().addProfile("http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4");
        Parameters status = new Parameters();
        status.getMeta().addProfile("http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4");
        status.addParameter().setName("subscription").setValue(new Reference(subscription));
        status.addParameter().setName("topic").setValue(new org.hl7.fhir.r4.model.CanonicalType("http://example.org/topic/lab-result"));
        status.addParameter().setName("status").setValue(new org.hl7.fhir.r4.model.CodeType("active"));
        status.addParameter().setName("type").setValue(new org.hl7.fhir.r4.model.CodeType(type));
        status.addParameter().setName("events-since-subscription-start").setValue(new StringType(Long.toString(eventNumber)));
        for (Resource r : focus) {
            Parameters.ParametersParameterComponent event = status.addParameter().setName("notification-event");
            event.addPart().setName("event-number").setValue(new StringType(Long.toString(eventNumber)));
            event.addPart().setName("timestamp").setValue(new InstantType(new java.util.Date()));
            event.addPart().setName("focus").setValue(new Reference(t.ehrBase + "/" + r.fhirType() + "/" + r.getIdElement().getIdPart()));
        }
        b.addEntry().setFullUrl("urn:uuid:" + java.util.UUID.randomUUID()).setResource(status).getRequest()
                .setMethod(Bundle.HTTPVerb.GET).setUrl(subscription + "/$status");
        for (Resource r : focus) {
            b.addEntry().setFullUrl(t.ehrBase + "/" + r.fhirType() + "/" + r.getIdElement().getIdPart()).setResource(r)
                    .getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(r.fhirType() + "/" + r.getIdElement().getIdPart());
        }
        return b;
    }

    @Test
    void aWrongOrMissingSecretIsRejectedAndNothingIsQueued() throws Exception {
        long before = queued();
        String body = t.ctx.newJsonParser().encodeResourceToString(Fixtures.estradiol("x-e2", "x", 10, 1));
        given().contentType("application/fhir+json").header("X-E2guard-Secret", "wrong").body(body)
                .put(t.notifications + "/Observation/x-e2")
                .then().statusCode(401).contentType("application/fhir+json").body("resourceType", org.hamcrest.Matchers.is("OperationOutcome"));
        given().contentType("application/fhir+json").body(body).put(t.notifications + "/Observation/x-e2")
                .then().statusCode(401);
        given().header("X-E2guard-Secret", EhrTestResource.SECRET).post(publicUrl + "/ehr-notifications/smart")
                .then().statusCode(404);
        given().header("X-E2guard-Secret", EhrTestResource.SECRET).contentType("application/fhir+json").body("{not json")
                .put(t.notifications + "/Observation/x-e2").then().statusCode(400).body("resourceType",
                        org.hamcrest.Matchers.is("OperationOutcome"));
        assertEquals(before, queued());
    }

    // ---- Patient/$evaluate ----------------------------------------------------------------------

    @Test
    void patientEvaluateReadsTheEhrAndWritesBackOnlyWhenAsked() {
        List<Resource> seed = new ArrayList<>(Fixtures.manOnAnastrozole("eval1"));
        seed.add(Fixtures.estradiol("eval1-e2", "eval1", 8, 4));
        t.seed(seed);

        String json = given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .post("/fhir/Patient/eval1/$evaluate?ehr=main")
                .then().statusCode(200).contentType("application/fhir+json").extract().asString();
        Bundle bundle = t.ctx.newJsonParser().parseResource(Bundle.class, json);
        assertEquals(Bundle.BundleType.COLLECTION, bundle.getType());
        List<String> rules = bundle.getEntry().stream().filter(e -> e.getResource() instanceof DetectedIssue)
                .map(e -> ruleCode((DetectedIssue) e.getResource()) + "/" + ((DetectedIssue) e.getResource()).getSeverity().toCode())
                .toList();
        assertEquals(List.of("E2_SUPPRESSED/high"), rules);
        assertEquals(0, t.issues("eval1").size(), "writeBack=false writes nothing");

        String written = given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .post("/fhir/Patient/eval1/%24evaluate?ehr=main&writeBack=true")
                .then().statusCode(200).extract().asString();
        assertTrue(written.contains("Write-back to EHR main queued."));
        await("eval1 written back", WAIT, () -> t.issues("eval1").size() == 1 && t.flags("eval1").size() == 1);

        // the same collection Bundle as POST /fhir/$evaluate, with asOf
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .post("/fhir/Patient/eval1/$evaluate?ehr=main&asOf=2020-01-01").then().statusCode(200)
                .body("entry.resource.resourceType", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("DetectedIssue")));
    }

    @Test
    void patientEvaluateErrorsAreOperationOutcomes() {
        given().urlEncodingEnabled(false).post("/fhir/Patient/eval1/$evaluate?ehr=main").then().statusCode(401);
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .post("/fhir/Patient/eval1/$evaluate").then().statusCode(400)
                .body("issue[0].diagnostics", org.hamcrest.Matchers.containsString("Several EHRs"));
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .post("/fhir/Patient/eval1/$evaluate?ehr=nope").then().statusCode(400);
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .post("/fhir/Patient/no-such-patient/$evaluate?ehr=main").then().statusCode(404)
                .body("resourceType", org.hamcrest.Matchers.is("OperationOutcome"));
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .post("/fhir/Patient/eval1/$evaluate?ehr=main&asOf=yesterday").then().statusCode(400);
        t.down(true);
        try {
            given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                    .post("/fhir/Patient/eval1/$evaluate?ehr=main").then().statusCode(503)
                    .body("resourceType", org.hamcrest.Matchers.is("OperationOutcome"));
        } finally {
            t.down(false);
        }
    }

    @Test
    void smartBackendServicesTokenIsObtainedOnceAndReused() {
        List<Resource> seed = new ArrayList<>(Fixtures.manOnAnastrozole("smart1"));
        seed.add(Fixtures.estradiol("smart1-e2", "smart1", 13, 4));
        t.seed(seed, "smart");
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .post("/fhir/Patient/smart1/$evaluate?ehr=smart").then().statusCode(200)
                .body("entry.resource.resourceType", org.hamcrest.Matchers.hasItem("DetectedIssue"));
        long calls = t.stat("tokenCalls");
        assertTrue(calls >= 1, "a token was requested from the EHR's token endpoint");
        for (int i = 0; i < 3; i++) {
            given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                    .post("/fhir/Patient/smart1/$evaluate?ehr=smart").then().statusCode(200);
        }
        assertEquals(calls, t.stat("tokenCalls"), "the cached token served every further request");
        assertEquals(0, t.stat("tokensRefused"), "every client assertion verified against the registered key");
    }

    // ---- helpers --------------------------------------------------------------------------------

    static String ruleCode(DetectedIssue di) {
        return di.getCode().getCoding().stream().filter(c -> Canonical.RULE_SYSTEM.equals(c.getSystem()))
                .findFirst().orElseThrow().getCode();
    }

    private java.util.Optional<Provenance> provenanceFor(DetectedIssue di) {
        String target = "DetectedIssue/" + di.getIdElement().getIdPart() + "/_history/" + di.getMeta().getVersionId();
        return t.provenances().stream().filter(p -> p.getTarget().stream().anyMatch(r -> target.equals(r.getReference())))
                .filter(p -> p.getAgentFirstRep().getWho().getReference().startsWith("Device/")).findFirst();
    }

    /** What the EHR holds about a patient's findings: ids and versions, and the Provenance count. */
    record Snapshot(Map<String, String> issues, Map<String, String> flags, int provenances) {
    }

    private Snapshot snapshot(String pid) {
        return new Snapshot(versions(t.issues(pid)), versions(t.flags(pid)), t.provenances().size());
    }

    /** Waits until no notification and no work for the patient is queued in the outbox. */
    private void awaitIdle(String pid) {
        await("the outbox to be idle for " + pid, WAIT, () -> db.one("SELECT count(*) FROM ehr_outbox WHERE state = 'pending' "
                + "AND (kind = 'notification' OR (kind = 'patient' AND job_key = ?))", rs -> rs.getLong(1), pid) == 0);
    }

    /** Work a notification about patient x would have queued: a notification row, or x's row. */
    private long queued() {
        return count("SELECT count(*) FROM ehr_outbox WHERE kind = 'notification' OR (kind = 'patient' AND job_key = 'x')");
    }

    static Comparator<Resource> byId() {
        return Comparator.comparing(r -> r.getIdElement().getIdPart());
    }

    static Instant instant(DateTimeType t) {
        return t.getValue().toInstant();
    }
}
