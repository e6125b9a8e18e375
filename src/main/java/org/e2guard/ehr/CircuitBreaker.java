package org.e2guard.ehr;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One EHR's circuit breaker, held in memory by each replica (deliberately simple: a replica that
 * has not yet seen the EHR fail tries it, fails a few times and opens its own breaker).
 *
 * <p>Closed: work runs. After {@code threshold} consecutive "unavailable" failures it opens: no
 * work for the EHR is claimed, so queued rows keep their remaining attempts instead of burning
 * them against a dead server. When {@code openFor} has passed, one caller wins
 * {@link #tryStartProbe()} and probes the EHR cheaply; success closes the breaker, failure keeps
 * it open for another period. Each close after an open period counts as a {@linkplain #recoveries()
 * recovery}: notifications the EHR could not deliver meanwhile are what the catch-up sync is for.
 */
public final class CircuitBreaker {
    /**
     * How every EHR's breaker behaves. Produced by the outbox, whose work the breaker gates, so
     * that the EHR client does not depend on it.
     */
    public record Settings(int failureThreshold, Duration openFor) {
    }

    private final int threshold;
    private final Duration openFor;
    private final Clock clock;
    private final AtomicBoolean probing = new AtomicBoolean();
    private int consecutiveFailures;
    private Instant openUntil;
    private long recoveries;

    public CircuitBreaker(int threshold, Duration openFor, Clock clock) {
        this.threshold = Math.max(1, threshold);
        this.openFor = openFor;
        this.clock = clock;
    }

    /** True while work for this EHR must not be attempted. */
    public synchronized boolean isOpen() {
        return openUntil != null;
    }

    /** True when the breaker is open and its open period is over: time for a probe. */
    public synchronized boolean probeDue() {
        return openUntil != null && !clock.instant().isBefore(openUntil);
    }

    /** Claims the single probe slot; the winner must call {@link #probeFinished(boolean)}. */
    public boolean tryStartProbe() {
        return probeDue() && probing.compareAndSet(false, true);
    }

    public void probeFinished(boolean ok) {
        if (ok) {
            success();
        } else {
            synchronized (this) {
                openUntil = clock.instant().plus(openFor);
            }
        }
        probing.set(false);
    }

    public synchronized void success() {
        consecutiveFailures = 0;
        if (openUntil != null) {
            recoveries++;
        }
        openUntil = null;
    }

    /** How often the breaker has closed again after being open (the EHR came back). */
    public synchronized long recoveries() {
        return recoveries;
    }

    /** Records a failure that says the EHR is unavailable. */
    public synchronized void failure() {
        consecutiveFailures++;
        if (consecutiveFailures >= threshold && openUntil == null) {
            openUntil = clock.instant().plus(openFor);
        }
    }
}
