package org.e2guard.reports;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Browser sessions for the reports: a browser cannot send the API key on a link, so a reviewer
 * exchanges it once for a random session token in an HttpOnly, SameSite=Strict cookie limited to
 * {@code /reports}. Held in memory on this replica (a restart or another replica asks again).
 */
@ApplicationScoped
public class ReportSessions {
    static final String COOKIE = "e2guard_report_session";
    static final Duration LIFETIME = Duration.ofHours(8);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Instant> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    public ReportSessions(Clock clock) {
        this.clock = clock;
    }

    String open() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Instant now = clock.instant();
        sessions.values().removeIf(until -> until.isBefore(now));
        sessions.put(token, now.plus(LIFETIME));
        return token;
    }

    boolean valid(String token) {
        if (token == null) {
            return false;
        }
        Instant until = sessions.get(token);
        return until != null && until.isAfter(clock.instant());
    }
}
