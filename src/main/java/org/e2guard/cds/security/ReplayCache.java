package org.e2guard.cds.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

/**
 * The {@code iss + jti} pairs seen, each kept until its token expires (plus the clock skew), so
 * a captured JWT cannot be replayed while it is still valid. Bounded in size; the token lifetime
 * is bounded too ({@code max-token-lifetime}), which is what keeps the bound meaningful.
 *
 * <p>In memory, per replica: a token replayed to another replica within its lifetime is not
 * caught. Keep token lifetimes short (EHRs use about 5 minutes) or route an EHR to one replica.
 */
final class ReplayCache {
    private final Cache<String, Instant> seen;

    ReplayCache(int maxSize, Duration skew, Clock clock) {
        this.seen = Caffeine.newBuilder()
                .maximumSize(maxSize)
                .expireAfter(new Expiry<String, Instant>() {
                    @Override
                    public long expireAfterCreate(String key, Instant expires, long currentTime) {
                        return Math.max(0, Duration.between(clock.instant(), expires.plus(skew)).toNanos());
                    }

                    @Override
                    public long expireAfterUpdate(String key, Instant expires, long currentTime, long currentDuration) {
                        return currentDuration;
                    }

                    @Override
                    public long expireAfterRead(String key, Instant expires, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
    }

    /** True the first time this issuer's jti is seen; false for a replay. Atomic. */
    boolean firstUse(String issuer, String jti, Instant expires) {
        return seen.asMap().putIfAbsent(issuer + '\u0000' + jti, expires) == null;
    }
}
