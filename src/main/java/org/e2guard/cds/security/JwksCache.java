package org.e2guard.cds.security;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;

/**
 * JWK Sets by URL. A set is fetched on first use, used for {@code ttl}, and fetched again early
 * when a token names a {@code kid} it does not hold (the issuer rotated its keys) — but not more
 * often than {@code minRefresh}, so a stream of tokens with made-up kids cannot hammer the EHR.
 * A failed fetch keeps the last good set. Only public key material is kept.
 */
final class JwksCache {
    private static final Logger LOG = Logger.getLogger(JwksCache.class);
    private static final int MAX_BYTES = 512 * 1024;

    private record Entry(JWKSet keys, Instant fetched, Instant attempted) {
    }

    private final ConcurrentHashMap<String, Entry> sets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    private final HttpClient http;
    private final Duration ttl;
    private final Duration minRefresh;
    private final Duration timeout;
    private final Clock clock;

    JwksCache(Duration ttl, Duration minRefresh, Duration timeout, Clock clock) {
        this.ttl = ttl;
        this.minRefresh = minRefresh;
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The key with this kid at this URL, or null when the set (even freshly fetched) has none. */
    JWK key(String url, String kid) {
        Entry e = sets.get(url);
        Instant now = clock.instant();
        if (e == null || e.fetched().plus(ttl).isBefore(now)) {
            e = refresh(url, e, now, true);
        }
        JWK k = e == null ? null : e.keys().getKeyByKeyId(kid);
        if (k == null && e != null && !e.attempted().plus(minRefresh).isAfter(now)) {
            e = refresh(url, e, now, false);
            k = e == null ? null : e.keys().getKeyByKeyId(kid);
        }
        return k;
    }

    private Entry refresh(String url, Entry seen, Instant now, boolean expired) {
        synchronized (locks.computeIfAbsent(url, u -> new Object())) {
            Entry current = sets.get(url);
            if (current != seen && current != null) {
                return current; // another thread refreshed it meanwhile
            }
            try {
                JWKSet fetched = fetch(url);
                Entry fresh = new Entry(fetched.toPublicJWKSet(), now, now);
                sets.put(url, fresh);
                LOG.debugf("fetched JWK Set (%d keys)%s", fetched.getKeys().size(), expired ? "" : " for an unknown kid");
                return fresh;
            } catch (IOException | ParseException | RuntimeException ex) {
                LOG.warnf("could not fetch the JWK Set at %s: %s", url, ex.getClass().getSimpleName());
                if (current != null) {
                    Entry kept = new Entry(current.keys(), current.fetched(), now);
                    sets.put(url, kept);
                    return kept;
                }
                return null;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return current;
            }
        }
    }

    private JWKSet fetch(String url) throws IOException, InterruptedException, ParseException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Accept", "application/json, application/jwk-set+json").GET().build();
        HttpResponse<InputStream> res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = res.body()) {
            if (res.statusCode() != 200) {
                throw new IOException("HTTP " + res.statusCode());
            }
            byte[] body = in.readNBytes(MAX_BYTES + 1);
            if (body.length > MAX_BYTES) {
                throw new IOException("JWK Set larger than " + MAX_BYTES + " bytes");
            }
            return JWKSet.parse(new String(body, StandardCharsets.UTF_8));
        }
    }
}
