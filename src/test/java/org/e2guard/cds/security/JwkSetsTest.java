package org.e2guard.cds.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.sun.net.httpserver.HttpServer;

/**
 * The JWK Sets the CDS JWT check reads, as Nimbus caches, rate-limits and bridges them, against a
 * real HTTP server on loopback that counts its requests and can be taken down.
 */
class JwkSetsTest {
    HttpServer server;
    String url;
    final AtomicInteger fetches = new AtomicInteger();
    final AtomicBoolean down = new AtomicBoolean();
    ECKey published;

    @BeforeEach
    void serve() throws Exception {
        published = new ECKeyGenerator(Curve.P_384).keyID("k1").generate();
        byte[] set = new JWKSet(published).toString(false).getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            if (down.get()) {
                exchange.sendResponseHeaders(503, -1);
            } else {
                exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
                exchange.sendResponseHeaders(200, set.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(set);
                }
            }
            exchange.close();
        });
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().add("Location", url);
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static List<JWK> keys(JWKSource<SecurityContext> source, String kid) throws KeySourceException {
        return source.get(new JWKSelector(new JWKMatcher.Builder().keyID(kid).build()), null);
    }

    @Test
    void anUnknownKidTriggersOneRateLimitedRefresh() throws Exception {
        try (JwkSets sets = new JwkSets(Duration.ofHours(1), Duration.ofMinutes(10), Duration.ofSeconds(3))) {
            JWKSource<SecurityContext> source = sets.at(url);
            assertEquals(1, keys(source, "k1").size());
            assertEquals(1, fetches.get(), "fetched on first use");
            assertEquals(1, keys(source, "k1").size());
            assertEquals(1, fetches.get(), "then served from the cache");

            assertTrue(keys(source, "made-up-1").isEmpty(), "an unknown kid: the set is fetched again, in vain");
            assertEquals(2, fetches.get());
            for (int i = 2; i <= 20; i++) {
                String kid = "made-up-" + i;
                assertThrows(RateLimitReachedException.class, () -> keys(source, kid));
            }
            assertEquals(2, fetches.get(), "a flood of made-up kids does not reach the EHR");
            assertEquals(1, keys(source, "k1").size(), "the known key still verifies");
            assertEquals(2, fetches.get());
        }
    }

    @Test
    void anOutageIsBridgedWithTheKeysFetchedBefore() throws Exception {
        try (JwkSets sets = new JwkSets(Duration.ofHours(1), Duration.ZERO, Duration.ofSeconds(3))) {
            JWKSource<SecurityContext> source = sets.at(url);
            assertEquals(1, keys(source, "k1").size());
            down.set(true);
            // an unknown kid makes the source fetch again: the EHR answers 503 (tried twice)
            assertTrue(keys(source, "k2").isEmpty());
            assertEquals(3, fetches.get(), "one fetch, then a failed refresh retried once");
            assertEquals(1, keys(source, "k1").size(), "the key fetched before the outage still verifies");
            assertEquals(published.toPublicJWK(), keys(source, "k1").get(0));
        }
    }

    @Test
    void aSetIsOnlyReadWhereItWasAllowListedNotWhereARedirectPoints() throws Exception {
        try (JwkSets sets = new JwkSets(Duration.ofHours(1), Duration.ZERO, Duration.ofSeconds(3))) {
            JWKSource<SecurityContext> moved = sets.at(url.replace("/jwks", "/moved"));
            assertThrows(KeySourceException.class, () -> keys(moved, "k1"));
            assertEquals(0, fetches.get(), "the redirect was not followed");
        }
    }

    @Test
    void onlyPublicKeyMaterialIsKept() throws Exception {
        try (JwkSets sets = new JwkSets(Duration.ofHours(1), Duration.ZERO, Duration.ofSeconds(3))) {
            // the server publishes the private key by mistake (toString(false) above)
            assertFalse(keys(sets.at(url), "k1").get(0).isPrivate());
        }
    }

    @Test
    void aCacheTimeNotLongerThanTheRefreshIntervalIsRefusedAtStartUp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JwkSets(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(3)));
        assertTrue(e.getMessage().contains("jwks-cache-ttl"));
    }
}
