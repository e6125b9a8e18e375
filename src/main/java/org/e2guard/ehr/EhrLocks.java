package org.e2guard.ehr;

import java.time.Duration;
import java.util.function.Supplier;

import org.e2guard.platform.db.Jdbc;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Cluster-wide mutual exclusion through PostgreSQL advisory locks: replicas sharing the database
 * do one-per-EHR work (creating Subscriptions, the Device) one at a time. The lock lives in the
 * session of a dedicated connection and goes when it is released or the connection closes, so a
 * replica that dies does not leave it behind.
 */
@ApplicationScoped
public class EhrLocks {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final Jdbc db;

    public EhrLocks(Jdbc db) {
        this.db = db;
    }

    public <T> T withLock(String name, Supplier<T> action) {
        // one connection throughout: the advisory lock belongs to its session
        return db.withConnection(h -> {
            acquire(h, name);
            try {
                return action.get();
            } finally {
                h.one("SELECT pg_advisory_unlock(hashtextextended(?, 0))", rs -> rs.getBoolean(1), name);
            }
        });
    }

    private static void acquire(Jdbc.Handle h, String name) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!h.one("SELECT pg_try_advisory_lock(hashtextextended(?, 0))", rs -> rs.getBoolean(1), name)) {
            if (System.nanoTime() > deadline) {
                throw new EhrException(EhrException.Reason.INTERNAL, 0, "lock " + name + " still held after " + WAIT, null);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new EhrException(EhrException.Reason.INTERNAL, 0, "interrupted waiting for lock " + name, null);
            }
        }
    }
}
