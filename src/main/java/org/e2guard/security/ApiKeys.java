package org.e2guard.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The configured API keys, held as SHA-256 digests and compared in constant time, so neither
 * timing nor a heap dump of the comparison leaks them.
 */
@ApplicationScoped
public class ApiKeys {
    private static final Logger LOG = Logger.getLogger(ApiKeys.class);

    private final List<byte[]> digests;
    private final boolean anonymous;

    public ApiKeys(SecurityConfig config) {
        this.digests = config.apiKeys().orElse(List.of()).stream().filter(k -> !k.isBlank()).map(ApiKeys::sha256).toList();
        this.anonymous = config.allowAnonymous();
    }

    void onStart(@Observes StartupEvent e) {
        if (anonymous) {
            LOG.warn("""

                    ******************************************************************************
                    *  e2guard.security.allow-anonymous=true: $evaluate and the admin API accept  *
                    *  requests WITHOUT authentication. Never run like this with real patient data.*
                    ******************************************************************************""");
        } else if (digests.isEmpty()) {
            LOG.warn("No API keys configured (e2guard.security.api-keys): every $evaluate and admin request will get 401.");
        }
    }

    public boolean anonymousAllowed() {
        return anonymous;
    }

    /** True when the Authorization header carries a known bearer key. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] d = sha256(authorization.substring(7).trim());
        boolean match = false;
        for (byte[] k : digests) {
            match |= MessageDigest.isEqual(k, d);
        }
        return match;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
