package org.e2guard.platform;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves by hand, so that leases, back-off, debounce and breaker periods can be
 * crossed without waiting and a check that something did <em>not</em> happen is made at a known
 * instant instead of after a sleep.
 *
 * <p>Either stopped ({@link #at}: time moves only by {@link #advance}) or running (following the
 * system clock plus whatever it was advanced by). The Quarkus test application runs on a running
 * one ({@link TestClockProducer}), so tests that never touch it see ordinary time; a test can
 * {@link #stop()} it, move it, and {@link #run()} it again. It goes backwards only when a test
 * stops it at a past instant on purpose ({@link #stopAt}).
 */
public final class FakeClock extends Clock {
    private final Clock system;
    private Instant stoppedAt;
    private Duration offset = Duration.ZERO;

    private FakeClock(Clock system, Instant stoppedAt) {
        this.system = system;
        this.stoppedAt = stoppedAt;
    }

    /** Stopped at {@code start}. */
    public static FakeClock at(Instant start) {
        return new FakeClock(Clock.systemUTC(), start);
    }

    /** Running with the system clock until stopped or advanced. */
    public static FakeClock running() {
        return new FakeClock(Clock.systemUTC(), null);
    }

    @Override
    public synchronized Instant instant() {
        return stoppedAt != null ? stoppedAt : system.instant().plus(offset);
    }

    /** Moves time forward (a stopped clock stays stopped, at the later instant). */
    public synchronized FakeClock advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not go backwards: " + d);
        }
        if (stoppedAt != null) {
            stoppedAt = stoppedAt.plus(d);
        } else {
            offset = offset.plus(d);
        }
        return this;
    }

    /** Stops time where it is now. */
    public synchronized FakeClock stop() {
        stoppedAt = instant();
        return this;
    }

    /**
     * Stops time at {@code t}, earlier than now if need be: a test that replays a chart as it stood
     * at a past instant (the golden cases' asOf) makes every evaluation the service starts meanwhile,
     * a notification's included, happen then. Work the service queued at the later time is not due
     * until time comes back to it ({@link #run}).
     */
    public synchronized FakeClock stopAt(Instant t) {
        stoppedAt = t;
        return this;
    }

    /**
     * Lets time run again from where it stopped, or from the system's time if that is later
     * already (a stopped clock that was not advanced simply catches up).
     */
    public synchronized FakeClock run() {
        if (stoppedAt != null) {
            Instant now = system.instant();
            offset = stoppedAt.isAfter(now) ? Duration.between(now, stoppedAt) : Duration.ZERO;
            stoppedAt = null;
        }
        return this;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (!ZoneOffset.UTC.equals(zone)) {
            throw new UnsupportedOperationException("e2guard's clock is UTC");
        }
        return this;
    }
}
