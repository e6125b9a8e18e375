package org.e2guard.cds.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.e2guard.cds.config.CdsConfig;
import org.e2guard.platform.db.Jdbc;
import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The {@code iss + jti} pairs accepted, in PostgreSQL ({@code cds_jti}), so that every replica
 * behind a Service sees the same set: a captured JWT replayed to another replica within its
 * lifetime is refused as well. A pair is kept until its token expires plus the clock skew (after
 * that the token fails the {@code exp} check anyway) and then deleted by {@link #cleanUp()}, which
 * every replica runs; concurrent deletes of the same rows are harmless.
 */
@ApplicationScoped
public class ReplayStore {
    private static final Logger LOG = Logger.getLogger(ReplayStore.class);

    /** The store could not be asked: the token's freshness is unknown, so the call is not served. */
    public static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    // An expired row with the same key (not cleaned up yet) belongs to a token that can no longer
    // pass the exp check, so a new token reusing the jti takes it over instead of being refused.
    private static final String FIRST_USE = """
            INSERT INTO cds_jti (key, expires_at) VALUES (?, ?)
            ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE cds_jti.expires_at < ?""";

    private final Jdbc db;
    private final Duration skew;
    private final Clock clock;

    @Inject
    public ReplayStore(Jdbc db, CdsConfig config, Clock clock) {
        this(db, config.security().clockSkew(), clock);
    }

    public ReplayStore(Jdbc db, Duration skew, Clock clock) {
        this.db = db;
        this.skew = skew;
        this.clock = clock;
    }

    /**
     * True the first time this issuer's jti is seen by any replica; false for a replay. Atomic
     * across replicas (one INSERT against the primary key).
     */
    public boolean firstUse(String issuer, String jti, Instant expires) throws Unavailable {
        try {
            return db.update(FIRST_USE, key(issuer, jti), expires.plus(skew), clock.instant()) == 1;
        } catch (Jdbc.DbException e) {
            throw new Unavailable("replay store unavailable (" + e.sqlState() + ")");
        }
    }

    /** Deletes the pairs whose tokens have expired; returns how many. */
    public int deleteExpired() {
        return db.update("DELETE FROM cds_jti WHERE expires_at < ?", clock.instant());
    }

    @Scheduled(identity = "e2guard-cds-jti-cleanup", every = "${e2guard.cds.security.replay-cleanup-interval:5M}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void cleanUp() {
        try {
            int n = deleteExpired();
            LOG.debugf("deleted %d expired CDS Hooks jti(s)", n);
        } catch (Jdbc.DbException e) {
            // the next run catches up; a larger table only costs index space meanwhile
            LOG.warnf("CDS Hooks jti clean-up failed (%s); retried at the next interval", e.sqlState());
        }
    }

    /** SHA-256 of issuer and jti: a fixed-size key whatever their length. */
    static byte[] key(String issuer, String jti) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(issuer.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(jti.getBytes(StandardCharsets.UTF_8));
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
