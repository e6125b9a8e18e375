package org.e2guard.subscription;

import static io.restassured.RestAssured.given;
import static org.e2guard.subscription.EhrTestSupport.await;
import static org.e2guard.subscription.EhrTestSupport.drain;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.testserver.EhrTestResource;
import org.e2guard.engine.Rule;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.outbox.JobHandler;
import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.Outbox;
import org.e2guard.outbox.OutboxJob;
import org.e2guard.outbox.OutboxWorkers;
import org.e2guard.outbox.WritebackConfig;
import org.e2guard.platform.FakeClock;
import org.e2guard.platform.db.Jdbc;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * The durable outbox under failure: an EHR that is down, a restart with work queued, a replica
 * that dies holding a row, a write the EHR keeps refusing (dead letter, admin retry), metrics.
 */
@QuarkusTest
@WithTestResource(EhrTestResource.class)
class OutboxTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "e2guard.test.ehr-port", defaultValue = "0")
    int ehrPort;
    @ConfigProperty(name = "e2guard.subscription.public-url", defaultValue = "http://localhost")
    String publicUrl;
    @Inject
    Outbox outbox;
    @Inject
    OutboxWorkers workers;
    @Inject
    EhrRegistry ehrs;
    @Inject
    WritebackConfig config;
    @Inject
    MeterRegistry metrics;
    @Inject
    @Any
    Instance<JobHandler> handlers;
    @Inject
    Jdbc db;
    @Inject
    FakeClock clock;

    EhrTestSupport t;

    @BeforeEach
    void setUp() {
        t = new EhrTestSupport(ehrPort, publicUrl);
        t.down(false);
        t.delivery(false);
        if (!workers.isRunning()) {
            workers.start(config.workers());
        }
    }

    private Observation seedSuppressed(String pid) {
        List<Resource> seed = new ArrayList<>(Fixtures.manOnAnastrozole(pid));
        Observation e2 = Fixtures.estradiol(pid + "-e2", pid, 14, 5);
        seed.add(e2);
        t.seed(seed);
        return e2;
    }

    @Test
    void withTheEhrDownWorkQueuesAndIsDeliveredAfterItReturns() {
        Observation e2 = seedSuppressed("down1");
        Ehr main = ehrs.find("main").orElseThrow();
        double failuresBefore = failures("ehr-unavailable");
        t.down(true);
        try {
            // e2guard still takes the notification: storing it does not need the EHR
            t.notifier().update().resource(e2).execute();
            await("the breaker to open after repeated 503s", WAIT, () -> main.breaker().isOpen());
            assertTrue(failures("ehr-unavailable") > failuresBefore, "e2guard.writeback.failures{reason=ehr-unavailable}");
            // from here the test drives the queue itself, on the calling thread
            workers.stop();
            Row row = patientRow("down1").orElseThrow();
            assertEquals("pending", row.state());
            assertTrue(row.lastError().contains("503"), row.lastError());

            // past any back-off and the breaker's open period: the row is due, and the probe (the EHR still down) fails
            clock.advance(config.backoffMax().multipliedBy(2).plus(config.breakerOpenDuration()));
            assertFalse(row.nextAttemptAt().isAfter(clock.instant()), "due: only the breaker holds it back");
            drain(workers);
            Row later = patientRow("down1").orElseThrow();
            assertTrue(main.breaker().isOpen(), "the probe failed");
            assertEquals("pending", later.state());
            assertEquals(row.attempts(), later.attempts(), "an open breaker keeps rows from burning their attempts");
        } finally {
            t.down(false);
            workers.start(config.workers());
        }
        clock.advance(config.breakerOpenDuration());
        await("down1 written once the EHR is back", WAIT, () -> t.flags("down1").size() == 1);
        await("the row to be done", WAIT, () -> patientRow("down1").isEmpty());
        assertFalse(main.breaker().isOpen());
    }

    @Test
    void aRestartWithWorkQueuedLosesNothing() {
        Observation e2 = seedSuppressed("restart1");
        workers.stop();
        OutboxWorkers replica = null;
        try {
            // stored before the notification is answered
            t.notifier().update().resource(e2).execute();
            assertTrue(count("SELECT count(*) FROM ehr_outbox WHERE kind = 'notification' OR (kind = 'patient' AND job_key = 'restart1')") >= 1,
                    "the change is stored (as the patient's row)");
            assertEquals(0, t.flags("restart1").size(), "nothing processed while stopped");

            // a new process: a fresh queue and fresh workers over the same database, no memory carried over
            replica = new OutboxWorkers(new Outbox(db, clock, config), ehrs, config, metrics, handlers);
            replica.start(1);
            await("restart1 written by the new workers", WAIT, () -> t.flags("restart1").size() == 1);
        } finally {
            if (replica != null) {
                replica.stop();
            }
            workers.start(config.workers());
        }
    }

    @Test
    void anOperatorPausesTheWorkersAndWorkQueuedMeanwhileIsDeliveredOnResume() {
        Observation e2 = seedSuppressed("pause1");
        given().post("/admin/outbox/pause").then().statusCode(401);
        try {
            given().header("Authorization", "Bearer test-key").post("/admin/outbox/pause").then().statusCode(200)
                    .body("paused", is(true)).body("workers", is(config.workers()));
            // notifications are still accepted and stored while paused
            t.notifier().update().resource(e2).execute();
            assertTrue(count("SELECT count(*) FROM ehr_outbox WHERE kind = 'notification' OR (kind = 'patient' AND job_key = 'pause1')") >= 1,
                    "the change is stored (as the patient's row)");
            given().header("Authorization", "Bearer test-key").get("/admin/outbox/workers").then().statusCode(200)
                    .body("paused", is(true));
        } finally {
            given().header("Authorization", "Bearer test-key").post("/admin/outbox/resume").then().statusCode(200)
                    .body("paused", is(false));
        }
        await("pause1 written after the resume", WAIT, () -> t.flags("pause1").size() == 1);
        // the write-back knows when the notification behind it arrived
        assertTrue(db.first("SELECT notified_at FROM writeback_state WHERE ehr = 'main' AND patient_id = 'pause1' "
                + "AND resource_type = 'Flag'", rs -> Jdbc.instant(rs, 1)).orElseThrow() != null, "notified_at recorded");
        assertTrue(given().get("/q/metrics").then().statusCode(200).extract().asString()
                .contains("e2guard_writeback_delay_seconds_count"), "the notification-to-write-back histogram");
    }

    @Test
    void twoReplicasWorkingTheSameOutboxDeliverEverythingExactlyOnce() {
        List<Observation> results = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            results.add(seedSuppressed("twin" + i));
        }
        // a second replica: its own queue object and workers, the same database and EHR
        OutboxWorkers replica = new OutboxWorkers(new Outbox(db, clock, config), ehrs, config, metrics, handlers);
        replica.start(2);
        try {
            for (Observation o : results) {
                t.notifier().update().resource(o).execute();
                t.notifier().update().resource(o).execute();
            }
            for (int i = 0; i < 12; i++) {
                String pid = "twin" + i;
                await(pid + " written", WAIT, () -> t.flags(pid).size() == 1);
            }
        } finally {
            replica.stop();
        }
        java.util.Set<String> targets = new java.util.HashSet<>();
        t.provenances().forEach(p -> p.getTarget().forEach(r -> targets.add(r.getReference())));
        for (int i = 0; i < 12; i++) {
            List<DetectedIssue> issues = t.issues("twin" + i);
            assertEquals(1, issues.size(), "one DetectedIssue for twin" + i);
            assertEquals("1", issues.get(0).getMeta().getVersionId(), "written once");
            assertEquals("1", t.flags("twin" + i).get(0).getMeta().getVersionId(), "written once");
            assertTrue(targets.contains("DetectedIssue/" + issues.get(0).getIdElement().getIdPart() + "/_history/1"));
        }
    }

    @Test
    void aRowHeldByADeadReplicaIsRetriedWhenItsLeaseRunsOut() {
        seedSuppressed("lease1");
        workers.stop();
        // time moves only when the test says: the lease cannot run out while the test looks
        clock.stop();
        try {
            outbox.enqueue("main", Kinds.PATIENT, "lease1", "{\"door\":\"subscription\"}", clock.instant());
            OutboxJob held = null;
            List<OutboxJob> others = new ArrayList<>();
            while (held == null) {
                OutboxJob job = outbox.claim("replica-that-dies", List.of()).orElseThrow();
                if (job.key().equals("lease1")) {
                    held = job;
                } else {
                    others.add(job);
                }
            }
            others.forEach(outbox::release);

            // a quiescent point: everything due is worked off, by this thread; the held row is not touched
            drain(workers);
            clock.advance(config.lease());
            drain(workers);
            assertEquals(0, t.flags("lease1").size(), "nobody takes a row while its lease runs, up to its last instant");
            assertEquals(Optional.of("replica-that-dies"), leaseOwner("lease1"));

            clock.advance(Duration.ofMillis(1));
            drain(workers);
            assertEquals(1, t.flags("lease1").size(), "taken over and done once the lease ran out");
            assertEquals(Optional.empty(), leaseOwner("lease1"), "the row is done");
        } finally {
            clock.run();
            workers.start(config.workers());
        }
    }

    @Test
    void aWriteTheEhrKeepsRefusingBecomesADeadLetterThatTheAdminApiCanRetry() {
        Observation e2 = seedSuppressed("dead1");
        // two DetectedIssues already carry the identifier e2guard writes under: its conditional update gets 412
        String key = FindingResources.issueKey("Patient/dead1", Rule.E1);
        List<String> clashing = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            DetectedIssue di = new DetectedIssue();
            di.addIdentifier().setSystem(Canonical.DETECTED_ISSUE_ID_SYSTEM).setValue(key);
            di.setStatus(DetectedIssue.DetectedIssueStatus.PRELIMINARY);
            di.setPatient(new Reference("Patient/dead1"));
            clashing.add(t.ehr.create().resource(di).execute().getId().getIdPart());
        }
        t.notifier().update().resource(e2).execute();
        await("a dead letter", WAIT, () -> patientRow("dead1").map(r -> r.state().equals("dead")).orElse(false));

        long id = given().header("Authorization", "Bearer test-key")
                .get("/admin/outbox?state=dead&kind=patient&ehr=main")
                .then().statusCode(200).extract().jsonPath()
                .getLong("rows.find { it.key == 'dead1' }.id");
        given().get("/admin/outbox?state=dead").then().statusCode(401);
        given().header("Authorization", "Bearer test-key").get("/admin/outbox/" + id).then().statusCode(200)
                .body("state", is("dead")).body("attempts", is(config.maxAttempts()))
                .body("lastError", containsString("412"));
        given().header("Authorization", "Bearer test-key").get("/admin/outbox?count=1").then().statusCode(200)
                .body("count", is(1));
        given().header("Authorization", "Bearer test-key").get("/admin/outbox?state=bogus").then().statusCode(400);

        await("the dead-letter gauge to count it", WAIT, () -> given().get("/q/metrics").then().statusCode(200)
                .extract().asString().lines().anyMatch(l -> l.matches("e2guard_outbox_dead_letters(\\{[^}]*})? [1-9].*")));
        String prometheus = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(prometheus.contains("e2guard_outbox_depth{kind=\"patient\""));
        assertTrue(prometheus.contains("e2guard_outbox_oldest_age_seconds"));
        assertTrue(prometheus.contains("e2guard_writeback_failures_total{reason=\"ehr-rejected\""));
        assertTrue(prometheus.contains("e2guard_notifications_received_total{kind=\"full-resource\""));

        given().post("/admin/outbox/" + id + "/retry").then().statusCode(401);
        given().header("Authorization", "Bearer test-key").post("/admin/outbox/987654321/retry").then().statusCode(404);

        // the operator clears the clash in the EHR and retries
        t.ehr.delete().resourceById("DetectedIssue", clashing.get(1)).execute();
        given().header("Authorization", "Bearer test-key").post("/admin/outbox/" + id + "/retry").then().statusCode(200)
                .body("state", is("pending")).body("attempts", is(0));
        await("dead1 written after the retry", WAIT, () -> t.flags("dead1").size() == 1);
        List<DetectedIssue> issues = t.issues("dead1");
        assertEquals(1, issues.size());
        assertEquals(clashing.get(0), issues.get(0).getIdElement().getIdPart(), "the existing one was updated");
        assertEquals(DetectedIssue.DetectedIssueStatus.FINAL, issues.get(0).getStatus());
        given().header("Authorization", "Bearer test-key").post("/admin/outbox/retry-dead").then().statusCode(200)
                .body("retried", org.hamcrest.Matchers.greaterThanOrEqualTo(0));
    }

    // ---- helpers --------------------------------------------------------------------------------

    record Row(String state, int attempts, String lastError, Instant nextAttemptAt) {
    }

    private Optional<Row> patientRow(String pid) {
        return db.first("SELECT state, attempts, last_error, next_attempt_at FROM ehr_outbox "
                        + "WHERE ehr = 'main' AND kind = 'patient' AND job_key = ?",
                rs -> new Row(rs.getString(1), rs.getInt(2), String.valueOf(rs.getString(3)), Jdbc.instant(rs, 4)), pid);
    }

    /** The row's lease holder; empty when the row is gone (a held row always has one). */
    private Optional<String> leaseOwner(String pid) {
        return db.first("SELECT coalesce(lease_owner, '') FROM ehr_outbox WHERE ehr = 'main' AND kind = 'patient' AND job_key = ?",
                rs -> rs.getString(1), pid);
    }

    private long count(String sql) {
        return db.one(sql, rs -> rs.getLong(1));
    }

    private double failures(String reason) {
        var counter = metrics.find("e2guard.writeback.failures").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }
}
