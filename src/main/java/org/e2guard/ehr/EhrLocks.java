package org.e2guard.ehr;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Supplier;

import javax.sql.DataSource;

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

    private final DataSource db;

    public EhrLocks(DataSource db) {
        this.db = db;
    }

    public <T> T withLock(String name, Supplier<T> action) {
        try (Connection c = db.getConnection()) {
            acquire(c, name);
            try {
                return action.get();
            } finally {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(hashtextextended(?, 0))")) {
                    ps.setString(1, name);
                    ps.execute();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("advisory lock failed: SQLState " + e.getSQLState(), e);
        }
    }

    private static void acquire(Connection c, String name) throws SQLException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(hashtextextended(?, 0))")) {
            ps.setString(1, name);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
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
}
