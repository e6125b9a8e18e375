package org.e2guard.outbox;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrException;
import org.e2guard.ehr.EhrRegistry;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

/**
 * The threads that work the outbox. Each loops: claim the most overdue row (skipping EHRs whose
 * breaker is open), run its handler, complete or fail it. New work wakes idle workers at once;
 * otherwise they look again every {@code e2guard.writeback.poll-interval}. A heartbeat renews the
 * leases of the rows they run every third of {@code e2guard.writeback.lease}.
 *
 * <p>An operator can pause them ({@code POST /admin/outbox/pause}, e.g. while the EHR is under
 * maintenance): they finish the row in hand and claim nothing more until resumed, while
 * notifications are still accepted and queued. The pause holds for this replica until resumed or
 * restarted.
 */
@ApplicationScoped
public class OutboxWorkers {
    private static final Logger LOG = Logger.getLogger(OutboxWorkers.class);

    private final Outbox outbox;
    private final EhrRegistry ehrs;
    private final WritebackConfig config;
    private final MeterRegistry metrics;
    private final Instance<JobHandler> handlerBeans;
    private Map<String, JobHandler> handlers;
    private final String owner;
    private final Object signal = new Object();
    private final AtomicLong wakeups = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private ScheduledExecutorService heartbeat;
    private volatile boolean running;
    private volatile boolean paused;

    public OutboxWorkers(Outbox outbox, EhrRegistry ehrs, WritebackConfig config, MeterRegistry metrics,
                         Instance<JobHandler> handlers) {
        this.outbox = outbox;
        this.ehrs = ehrs;
        this.config = config;
        this.metrics = metrics;
        this.handlerBeans = handlers;
        outbox.onEnqueue(this::wake);
        this.owner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    void onStart(@Observes StartupEvent e) {
        if (config.workers() > 0 && !ehrs.isEmpty()) {
            start(config.workers());
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        stop();
    }

    public synchronized void start(int count) {
        if (running) {
            return;
        }
        running = true;
        for (int i = 0; i < count; i++) {
            Thread t = new Thread(this::loop, "e2guard-outbox-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long every = Math.max(1, config.lease().toMillis() / 3);
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "e2guard-outbox-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Renews the leases of the rows this replica runs. A database hiccup costs one beat, not the
     * heartbeat: the next one tries again well before the lease runs out.
     */
    public void heartbeat() {
        try {
            outbox.renewLeases(owner);
        } catch (RuntimeException ex) {
            LOG.warnf("outbox heartbeat: %s", ex.getMessage());
        }
    }

    /** Stops the workers after their current row; queued work stays in the database. */
    public synchronized void stop() {
        running = false;
        wake();
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            heartbeat = null;
        }
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        threads.clear();
    }

    public boolean isRunning() {
        return running;
    }

    /** Stops claiming: each worker finishes its current row and then waits for {@link #resume}. */
    public void pause() {
        paused = true;
    }

    /** Claims again, at once. */
    public void resume() {
        paused = false;
        wake();
    }

    public boolean isPaused() {
        return paused;
    }

    /** How many worker threads this replica runs (0 when stopped). */
    public synchronized int workerCount() {
        return threads.size();
    }

    /** New work is queued: idle workers look now instead of at their next poll. */
    public void wake() {
        wakeups.incrementAndGet();
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void loop() {
        while (running) {
            long seen = wakeups.get();
            try {
                if (paused || !runOne()) {
                    synchronized (signal) {
                        if (running && wakeups.get() == seen) {
                            signal.wait(config.pollInterval().toMillis());
                        }
                    }
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException ex) {
                // the database itself failing: say so (no data in the message) and slow down
                LOG.errorf("outbox worker: %s", ex.getMessage());
                sleepQuietly();
            }
        }
    }

    /** Claims and runs one due row; false when none is due. Public so a test can drive the queue step by step. */
    public boolean runOne() {
        Optional<OutboxJob> claimed = outbox.claim(owner, closedOff());
        if (claimed.isEmpty()) {
            return false;
        }
        run(claimed.get());
        return true;
    }

    /** EHRs whose breaker is open; one probe per open period may close a breaker first. */
    private List<String> closedOff() {
        List<String> out = new ArrayList<>();
        for (Ehr ehr : ehrs.all()) {
            if (ehr.breaker().isOpen() && ehr.breaker().tryStartProbe()) {
                boolean ok = ehr.probe();
                ehr.breaker().probeFinished(ok);
                LOG.infof("EHR %s probe %s: circuit breaker %s", ehr.name(), ok ? "succeeded" : "failed",
                        ok ? "closed" : "stays open");
            }
            if (ehr.breaker().isOpen()) {
                out.add(ehr.name());
            }
        }
        return out;
    }

    private void run(OutboxJob job) {
        JobHandler handler = handlers().get(job.kind());
        Optional<Ehr> ehr = ehrs.find(job.ehr());
        if (handler == null || ehr.isEmpty()) {
            outbox.fail(job, handler == null ? "no handler for kind " + job.kind() : "EHR " + job.ehr() + " is not configured");
            return;
        }
        if (ehr.get().breaker().isOpen()) {
            outbox.release(job);
            return;
        }
        try {
            handler.handle(job);
            outbox.complete(job);
            ehr.get().breaker().success();
        } catch (RuntimeException ex) {
            EhrException failure = EhrException.of(ex);
            if (failure.unavailable()) {
                ehr.get().breaker().failure();
            }
            boolean dead = outbox.fail(job, failure.detail());
            if (Kinds.PATIENT.equals(job.kind())) {
                metrics.counter("e2guard.writeback.failures", "reason", failure.reason().tag()).increment();
            }
            if (failure.reason() == EhrException.Reason.INTERNAL) {
                StackTraceElement top = ex.getStackTrace().length > 0 ? ex.getStackTrace()[0] : null;
                LOG.errorf("outbox %s row %d (EHR %s) failed: %s at %s%s", job.kind(), job.id(), job.ehr(),
                        ex.getClass().getName(), top, dead ? "; now a dead letter" : "");
            } else {
                LOG.warnf("outbox %s row %d (EHR %s) attempt %d failed: %s%s", job.kind(), job.id(), job.ehr(),
                        job.attempts(), failure.getMessage(), dead ? "; now a dead letter" : "");
            }
        }
    }

    private synchronized Map<String, JobHandler> handlers() {
        if (handlers == null) {
            Map<String, JobHandler> byKind = new HashMap<>();
            handlerBeans.forEach(h -> byKind.put(h.kind(), h));
            handlers = byKind;
        }
        return handlers;
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(config.pollInterval().toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
