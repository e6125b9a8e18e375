package org.e2guard.outbox;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The durable outbox: how work towards the EHRs is run, retried and given up on. */
@ConfigMapping(prefix = "e2guard.writeback")
public interface WritebackConfig {

    /**
     * Worker threads per replica that run outbox work (0: this replica only accepts and queues).
     * Each runs one patient at a time, so this is how many requests e2guard keeps in flight towards
     * the EHRs: size it to what the EHR takes (docs/PERFORMANCE.md, "EHR round trip").
     */
    @WithDefault("8")
    int workers();

    /** How long an idle worker waits before looking for due work again (new work wakes it at once). */
    @WithDefault("1s")
    Duration pollInterval();

    /**
     * How long a claimed row belongs to one worker without a heartbeat. The replica renews the
     * leases of the rows it runs every third of this, so a row may run longer; a replica that dies
     * mid-work stops renewing, and another replica retries its rows once this has passed.
     */
    @WithDefault("15s")
    Duration lease();

    /** Attempts before a row becomes a dead letter (listed and retried under /admin/outbox). */
    @WithDefault("10")
    int maxAttempts();

    /** Back-off after the first failure; doubles with each further failure. */
    @WithDefault("2s")
    Duration backoffInitial();

    /** Longest back-off between two attempts. */
    @WithDefault("5m")
    Duration backoffMax();

    /** Consecutive failures reaching an EHR (connection errors, 5xx, 429) that open its circuit breaker. */
    @WithDefault("5")
    int breakerFailureThreshold();

    /**
     * While open, no work for that EHR is attempted; after this, one probe
     * ({@code GET [base]/metadata}) decides whether to close it again.
     */
    @WithDefault("30s")
    Duration breakerOpenDuration();

    /** How long the outbox gauges (depth, oldest age, dead letters) reuse one database count. */
    @WithDefault("5s")
    Duration metricsCacheTime();
}
