package org.e2guard.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.Outbox;
import org.jboss.logging.Logger;

import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Puts the periodic work into the outbox, where exactly one replica runs each row: the
 * subscription check (at start-up, then every {@code registrar-interval}) and the catch-up sync:
 * at start-up (what was missed while this replica was down must not wait for the interval), when
 * the EHR comes back after its circuit breaker was open, and otherwise every
 * {@code e2guard.ehr.<name>.sync.interval} since the last one ended, by the database's record, so
 * replicas agree.
 */
@ApplicationScoped
@Startup
public class SubscriptionScheduler {
    private static final Logger LOG = Logger.getLogger(SubscriptionScheduler.class);

    private final EhrRegistry ehrs;
    private final Outbox outbox;
    private final SyncStateStore state;
    private final SubscriptionConfig config;
    private final Clock clock;
    private final Map<String, Instant> lastRegistrar = new ConcurrentHashMap<>();
    /** Per EHR, the breaker's recovery count when this replica last queued a sync (absent: not since start). */
    private final Map<String, Long> syncedAtRecoveries = new ConcurrentHashMap<>();

    public SubscriptionScheduler(EhrRegistry ehrs, Outbox outbox, SyncStateStore state, SubscriptionConfig config,
                                 Clock clock) {
        this.ehrs = ehrs;
        this.outbox = outbox;
        this.state = state;
        this.config = config;
        this.clock = clock;
        for (Ehr ehr : ehrs.all()) {
            if (ehr.pushEnabled() && config.publicUrl().filter(s -> !s.isBlank()).isEmpty()) {
                throw new IllegalStateException("e2guard.subscription.public-url is required while push is enabled for EHR "
                        + ehr.name() + ": the EHR must know where to send notifications");
            }
        }
    }

    @Scheduled(identity = "e2guard-ehr-tick", every = "${e2guard.subscription.tick:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        for (Ehr ehr : ehrs.all()) {
            try {
                tick(ehr);
            } catch (RuntimeException e) {
                LOG.warnf("EHR %s: scheduling failed: %s", ehr.name(), e.getClass().getName());
            }
        }
    }

    private void tick(Ehr ehr) {
        Instant now = clock.instant();
        if (ehr.pushEnabled()) {
            Instant last = lastRegistrar.get(ehr.name());
            if (last == null || !now.isBefore(last.plus(config.registrarInterval()))) {
                outbox.enqueue(ehr.name(), Kinds.SUBSCRIBE, Kinds.EHR_KEY, null, now);
                lastRegistrar.put(ehr.name(), now);
            }
        }
        long recoveries = ehr.breaker().recoveries();
        Long seen = syncedAtRecoveries.get(ehr.name());
        boolean startOrRecovery = seen == null || recoveries > seen;
        boolean due = startOrRecovery
                || state.lastRun(ehr.name()).map(t -> !now.isBefore(t.plus(ehr.syncInterval()))).orElse(true);
        if (due) {
            if (!outbox.isPending(ehr.name(), Kinds.SYNC, Kinds.EHR_KEY)) {
                outbox.enqueue(ehr.name(), Kinds.SYNC, Kinds.EHR_KEY, null, now);
                if (startOrRecovery) {
                    LOG.infof("EHR %s: catch-up sync queued (%s)", ehr.name(), seen == null ? "start-up" : "the EHR is back");
                }
            }
            syncedAtRecoveries.put(ehr.name(), recoveries);
        }
    }
}
