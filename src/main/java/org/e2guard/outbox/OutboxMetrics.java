package org.e2guard.outbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The outbox as gauges: {@code e2guard.outbox.depth{kind}} (pending rows),
 * {@code e2guard.outbox.oldest.age.seconds} (how long the oldest pending row has waited) and
 * {@code e2guard.outbox.dead.letters}. One grouped count serves all of them for a few seconds, so
 * scrapes do not load the database. The counts are the shared table's: every replica reports the
 * same numbers (aggregate with max, not sum).
 */
@ApplicationScoped
public class OutboxMetrics {
    private static final Logger LOG = Logger.getLogger(OutboxMetrics.class);

    private final Outbox outbox;
    private final Clock clock;
    private final Duration cacheTime;
    private Outbox.Stats stats;
    private Instant readAt;

    public OutboxMetrics(Outbox outbox, Clock clock, WritebackConfig config) {
        this.outbox = outbox;
        this.clock = clock;
        this.cacheTime = config.metricsCacheTime();
    }

    void register(@Observes StartupEvent e, MeterRegistry registry) {
        // Micrometer's global composite outlives a Quarkus application (tests restart several in one
        // JVM) and keeps the first gauge of a name, bound to that application's instance: replace it
        for (String name : java.util.List.of("e2guard.outbox.depth", "e2guard.outbox.oldest.age.seconds",
                "e2guard.outbox.dead.letters")) {
            registry.find(name).meters().forEach(registry::remove);
        }
        for (String kind : Kinds.ALL) {
            Gauge.builder("e2guard.outbox.depth", this, m -> m.stats().pendingByKind().getOrDefault(kind, 0L))
                    .tag("kind", kind).description("Outbox rows waiting or in progress").register(registry);
        }
        Gauge.builder("e2guard.outbox.oldest.age.seconds", this, m -> {
            Instant oldest = m.stats().oldestPending();
            return oldest == null ? 0 : Math.max(0, Duration.between(oldest, m.clock.instant()).toMillis() / 1000.0);
        }).description("Age of the oldest pending outbox row").register(registry);
        Gauge.builder("e2guard.outbox.dead.letters", this, m -> m.stats().dead())
                .description("Outbox rows that used up their attempts").register(registry);
    }

    synchronized Outbox.Stats stats() {
        Instant now = clock.instant();
        if (stats == null || readAt.plus(cacheTime).isBefore(now)) {
            try {
                stats = outbox.stats();
                readAt = now;
            } catch (RuntimeException ex) {
                LOG.warnf("outbox metrics unavailable: %s", ex.getMessage());
                if (stats == null) {
                    return new Outbox.Stats(java.util.Map.of(), null, 0);
                }
            }
        }
        return stats;
    }
}
