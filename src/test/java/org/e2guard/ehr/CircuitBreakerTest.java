package org.e2guard.ehr;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.e2guard.platform.FakeClock;
import org.junit.jupiter.api.Test;

/** The breaker's states and periods, on a clock the test moves: no waiting, no real EHR. */
class CircuitBreakerTest {
    static final Duration OPEN_FOR = Duration.ofSeconds(30);

    final FakeClock clock = FakeClock.at(Instant.parse("2026-07-01T08:00:00Z"));
    final CircuitBreaker breaker = new CircuitBreaker(3, OPEN_FOR, clock);

    @Test
    void opensAfterThresholdConsecutiveFailuresOnly() {
        breaker.failure();
        breaker.failure();
        assertFalse(breaker.isOpen(), "two of three");
        breaker.success();
        breaker.failure();
        breaker.failure();
        assertFalse(breaker.isOpen(), "a success in between starts the count again");
        breaker.failure();
        assertTrue(breaker.isOpen(), "three in a row");
    }

    @Test
    void noProbeUntilTheOpenPeriodIsOver() {
        open();
        clock.advance(OPEN_FOR.minusMillis(1));
        assertFalse(breaker.probeDue());
        assertFalse(breaker.tryStartProbe());
        assertTrue(breaker.isOpen());
        clock.advance(Duration.ofMillis(1));
        assertTrue(breaker.probeDue(), "due exactly when the period ends");
    }

    @Test
    void exactlyOneCallerWinsTheProbe() {
        open();
        clock.advance(OPEN_FOR);
        assertTrue(breaker.tryStartProbe());
        assertFalse(breaker.tryStartProbe(), "one probe at a time, however many workers look");
        breaker.probeFinished(false);
        clock.advance(OPEN_FOR);
        assertTrue(breaker.tryStartProbe(), "the slot is free again after the probe finished");
    }

    @Test
    void aFailedProbeKeepsItOpenForAnotherFullPeriod() {
        open();
        clock.advance(OPEN_FOR.plusSeconds(100));
        assertTrue(breaker.tryStartProbe());
        breaker.probeFinished(false);
        assertTrue(breaker.isOpen());
        clock.advance(OPEN_FOR.minusMillis(1));
        assertFalse(breaker.tryStartProbe(), "the new period counts from the failed probe, not from the first opening");
        clock.advance(Duration.ofMillis(1));
        assertTrue(breaker.tryStartProbe());
    }

    @Test
    void aSucceededProbeClosesItAndTheCountStartsAgain() {
        open();
        clock.advance(OPEN_FOR);
        assertTrue(breaker.tryStartProbe());
        breaker.probeFinished(true);
        assertFalse(breaker.isOpen());
        assertFalse(breaker.probeDue());
        breaker.failure();
        breaker.failure();
        assertFalse(breaker.isOpen(), "closed means a fresh count");
        breaker.failure();
        assertTrue(breaker.isOpen());
    }

    @Test
    void failuresWhileOpenDoNotPostponeTheProbe() {
        open();
        clock.advance(OPEN_FOR.minusSeconds(1));
        breaker.failure();
        breaker.failure();
        clock.advance(Duration.ofSeconds(1));
        assertTrue(breaker.probeDue(), "late failures (rows already running) do not extend the period");
    }

    @Test
    void aThresholdBelowOneMeansOne() {
        CircuitBreaker eager = new CircuitBreaker(0, OPEN_FOR, clock);
        eager.failure();
        assertTrue(eager.isOpen());
    }

    private void open() {
        for (int i = 0; i < 3; i++) {
            breaker.failure();
        }
        assertTrue(breaker.isOpen());
    }
}
