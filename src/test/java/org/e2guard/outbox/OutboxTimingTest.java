package org.e2guard.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.e2guard.platform.FakeClock;
import org.e2guard.platform.db.Jdbc;
import org.e2guard.platform.db.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leases, back-off and due times of the outbox, on a stopped clock against real PostgreSQL (a
 * database of its own on the embedded server): every boundary is crossed by moving the clock, so
 * a "not yet" is checked at the last instant before the boundary instead of after a sleep.
 */
class OutboxTimingTest {
    static final Duration LEASE = Duration.ofMinutes(2);
    static final Duration INITIAL = Duration.ofSeconds(2);
    static final Duration MAX = Duration.ofMinutes(1);
    static final int MAX_ATTEMPTS = 8;

    record Config(int workers, Duration pollInterval, Duration lease, int maxAttempts, Duration backoffInitial,
                  Duration backoffMax, int breakerFailureThreshold, Duration breakerOpenDuration,
                  Duration metricsCacheTime) implements WritebackConfig {
    }

    static final Config CONFIG = new Config(0, Duration.ofSeconds(1), LEASE, MAX_ATTEMPTS, INITIAL, MAX, 5,
            Duration.ofSeconds(30), Duration.ofSeconds(5));

    static TestDatabase database;
    static Jdbc db;

    FakeClock clock;
    Outbox outbox;

    @BeforeAll
    static void createDatabase() {
        database = TestDatabase.create();
        db = database.jdbc();
    }

    @AfterAll
    static void dropDatabase() {
        database.close();
    }

    @BeforeEach
    void emptyOutbox() {
        db.update("DELETE FROM ehr_outbox");
        clock = FakeClock.at(Instant.parse("2026-07-01T08:00:00Z"));
        outbox = new Outbox(db, clock, CONFIG);
    }

    // ---- notification arrival ------------------------------------------------------------------

    @Test
    void aRunCarriesTheEarliestArrivalNotYetPickedUpAndAFailedRunGivesItBack() {
        Instant first = clock.instant();
        outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant(), first);
        clock.advance(Duration.ofSeconds(1));
        outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant(), clock.instant());
        OutboxJob run = claim("replica-a").orElseThrow();
        assertEquals(first, run.receivedAt(), "the earliest of the coalesced notifications");

        // a notification while the row runs belongs to the next run, not to this one
        clock.advance(Duration.ofSeconds(1));
        Instant during = clock.instant();
        outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant(), during);
        outbox.complete(run);
        OutboxJob next = claim("replica-a").orElseThrow();
        assertEquals(during, next.receivedAt());

        // a failed run puts its arrival back, still the earliest
        clock.advance(Duration.ofSeconds(1));
        outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant(), clock.instant());
        outbox.fail(next, "EHR down");
        clock.advance(MAX);
        assertEquals(during, claim("replica-a").orElseThrow().receivedAt());

        // work no notification caused carries none
        outbox.enqueue("ehr", Kinds.SYNC, "ehr", null, clock.instant());
        assertEquals(null, claim("replica-a").orElseThrow().receivedAt());
    }

    // ---- leases -------------------------------------------------------------------------------

    @Test
    void aClaimedRowIsNobodyElsesUntilItsLeaseHasRunOut() {
        long id = outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant());
        OutboxJob first = claim("replica-a").orElseThrow();
        assertEquals(id, first.id());

        clock.advance(LEASE);
        assertTrue(claim("replica-b").isEmpty(), "still held at the very instant the lease ends");
        clock.advance(Duration.ofMillis(1));
        OutboxJob second = claim("replica-b").orElseThrow(() -> new AssertionError("free once the lease has run out"));
        assertEquals(id, second.id());
        assertEquals(2, second.attempts(), "the dead replica's attempt counts");

        // the replica that lost its lease wakes up: whatever it does, the row stays the new owner's
        outbox.complete(first);
        assertFalse(outbox.fail(first, "late"), "no dead letter and no back-off from a stale owner");
        outbox.renewLeases(first.owner());
        Outbox.Row row = outbox.get(id).orElseThrow(() -> new AssertionError("a stale complete must not delete it"));
        assertEquals(clock.instant().plus(LEASE), row.leaseUntil(), "the new owner's lease, untouched");
        assertEquals(null, row.lastError());

        outbox.complete(second);
        assertTrue(outbox.get(id).isEmpty(), "the owner's complete removes it");
    }

    @Test
    void theHeartbeatKeepsARunningRowFromNowAndADeadReplicasRowComesBackOneLeaseAfterItsLastBeat() {
        long id = outbox.enqueue("ehr", Kinds.SYNC, "ehr", null, clock.instant());
        OutboxJob job = claim("replica-a").orElseThrow();
        clock.advance(LEASE.minusSeconds(10));
        assertEquals(1, outbox.renewLeases("replica-a"));
        Instant lastBeat = clock.instant();

        clock.advance(Duration.ofSeconds(20));
        assertTrue(claim("replica-b").isEmpty(), "past the first lease, inside the renewed one");
        // replica-a dies: no more beats
        clock.advance(Duration.between(clock.instant(), lastBeat.plus(LEASE)));
        assertTrue(claim("replica-b").isEmpty(), "the renewed lease ends a full lease after the last beat");
        clock.advance(Duration.ofMillis(1));
        OutboxJob taken = claim("replica-b").orElseThrow(() -> new AssertionError("free one lease after the last beat"));
        assertEquals(id, taken.id());

        // a beat from the old owner (it was only stalled) does not take the row back
        assertEquals(0, outbox.renewLeases(job.owner()));
        assertEquals(clock.instant().plus(LEASE), outbox.get(id).orElseThrow().leaseUntil());
    }

    @Test
    void theHeartbeatRenewsOnlyRowsTheOwnerStillRuns() {
        outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant());
        outbox.enqueue("ehr", Kinds.PATIENT, "p2", "{}", clock.instant());
        outbox.enqueue("ehr", Kinds.PATIENT, "p3", "{}", clock.instant());
        OutboxJob done = claim("replica-a").orElseThrow();
        OutboxJob failed = claim("replica-a").orElseThrow();
        OutboxJob running = claim("replica-a").orElseThrow();
        outbox.complete(done);
        outbox.fail(failed, "EHR down");
        clock.advance(Duration.ofSeconds(5));

        assertEquals(1, outbox.renewLeases("replica-a"), "only the row still running");
        assertEquals(clock.instant().plus(LEASE), outbox.get(running.id()).orElseThrow().leaseUntil());
        assertEquals(null, outbox.get(failed.id()).orElseThrow().leaseUntil(), "a failed row waits for its back-off, unleased");
    }

    @Test
    void aReleasedRowIsClaimableAtOnceWithoutSpendingAnAttempt() {
        long id = outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant());
        outbox.release(claim("replica-a").orElseThrow());
        OutboxJob again = claim("replica-b").orElseThrow();
        assertEquals(id, again.id());
        assertEquals(1, again.attempts());
    }

    @Test
    void anExcludedEhrsRowsAreNotClaimed() {
        outbox.enqueue("down", Kinds.PATIENT, "p1", "{}", clock.instant());
        long up = outbox.enqueue("up", Kinds.PATIENT, "p2", "{}", clock.instant().plusSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(up, outbox.claim("w", List.of("down")).orElseThrow().id(), "the older row belongs to the excluded EHR");
        assertTrue(outbox.claim("w", List.of("down")).isEmpty());
    }

    // ---- due times and back-off -----------------------------------------------------------------

    @Test
    void aRowIsNotClaimedBeforeItIsDue() {
        outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant().plusMillis(200));
        clock.advance(Duration.ofMillis(199));
        assertTrue(claim("w").isEmpty());
        clock.advance(Duration.ofMillis(1));
        assertTrue(claim("w").isPresent(), "due at notBefore itself");
    }

    @Test
    void aBurstDoesNotPostponeAPendingRow() {
        long id = outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{\"n\":1}", clock.instant().plusMillis(200));
        clock.advance(Duration.ofMillis(150));
        assertEquals(id, outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{\"n\":2}", clock.instant().plusMillis(200)));
        clock.advance(Duration.ofMillis(50));
        OutboxJob job = claim("w").orElseThrow(() -> new AssertionError("due when the first enqueue said"));
        assertEquals("{\"n\":2}", job.payload(), "with the newest payload");
        assertEquals(2, job.version());
    }

    @Test
    void workQueuedWhileARowRunsStaysForAnotherRunDueWhenThatEnqueueSaid() {
        long id = outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant());
        OutboxJob running = claim("w").orElseThrow();
        outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant().plusSeconds(5));
        outbox.complete(running);
        Outbox.Row row = outbox.get(id).orElseThrow(() -> new AssertionError("newer work keeps the row"));
        assertEquals(0, row.attempts());
        assertEquals(null, row.leaseUntil());
        clock.advance(Duration.ofSeconds(5).minusMillis(1));
        assertTrue(claim("w").isEmpty());
        clock.advance(Duration.ofMillis(1));
        assertEquals(2, claim("w").orElseThrow().version());
    }

    @Test
    void failuresBackOffExponentiallyUpToTheCapThenBecomeADeadLetter() {
        long id = outbox.enqueue("ehr", Kinds.PATIENT, "p1", "{}", clock.instant());
        for (int attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
            OutboxJob job = claim("w").orElseThrow(() -> new AssertionError("due again after its back-off"));
            assertEquals(attempt, job.attempts());
            Instant failedAt = clock.instant();
            assertFalse(outbox.fail(job, "EHR answered HTTP 503"));

            Outbox.Row row = outbox.get(id).orElseThrow();
            assertEquals(Outbox.PENDING, row.state());
            Duration wait = Duration.between(failedAt, row.nextAttemptAt());
            long expected = Math.min(INITIAL.toMillis() << (attempt - 1), MAX.toMillis());
            assertTrue(wait.toMillis() >= expected * 0.8 && wait.toMillis() <= expected * 1.2,
                    "attempt " + attempt + ": waits " + wait + ", expected " + expected + " ms +-20 %");

            clock.advance(wait.minusMillis(1));
            assertTrue(claim("w").isEmpty(), "attempt " + attempt + ": not before its back-off is over");
            clock.advance(Duration.ofMillis(1));
        }
        OutboxJob last = claim("w").orElseThrow();
        assertEquals(MAX_ATTEMPTS, last.attempts());
        assertTrue(outbox.fail(last, "EHR answered HTTP 503"), "the last attempt makes a dead letter");
        assertEquals(Outbox.DEAD, outbox.get(id).orElseThrow().state());
        clock.advance(Duration.ofDays(365));
        assertTrue(claim("w").isEmpty(), "a dead letter waits for an operator");
        assertEquals(1, outbox.retryAllDead());
        assertEquals(1, claim("w").orElseThrow().attempts(), "retried with fresh attempts");
    }

    @Test
    void theBackOffDoublesFromTheInitialDelayIsCappedAndJitteredByAtMostTwentyPercent() {
        for (int attempts = 1; attempts <= 40; attempts++) {
            long expected = Math.min(INITIAL.toMillis() << Math.min(attempts - 1, 30), MAX.toMillis());
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int sample = 0; sample < 200; sample++) {
                long b = outbox.backoff(attempts).toMillis();
                min = Math.min(min, b);
                max = Math.max(max, b);
            }
            assertTrue(min >= expected * 0.8 && max <= expected * 1.2,
                    attempts + " attempts: " + min + ".." + max + " ms, expected " + expected + " ms +-20 %");
            assertTrue(max > min, attempts + " attempts: jittered, so that retries of many rows spread out");
        }
    }

    private Optional<OutboxJob> claim(String owner) {
        return outbox.claim(owner, List.of());
    }
}
