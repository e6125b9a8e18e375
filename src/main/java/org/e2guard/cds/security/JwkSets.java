package org.e2guard.cds.security;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetSourceWrapper;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;

/**
 * The JWK Sets of the trusted issuers, one Nimbus {@link JWKSource} per URL (an issuer's
 * {@code jwks-url}, or a {@code jku} once it passed the allow-list). Nimbus does the rest:
 * <ul>
 * <li>a set is cached for {@code ttl} and fetched again early when a token names a {@code kid} it
 * does not hold (the issuer rotated its keys);</li>
 * <li>fetches are rate-limited: at most two per {@code minRefresh} and set, so a stream of tokens
 * with made-up kids cannot hammer the EHR;</li>
 * <li>a failed fetch is retried once, and while the EHR is down the last good set is used (for up
 * to ten times {@code ttl}).</li>
 * </ul>
 * Only public key material is kept; redirects are not followed (the allow-list names exact URLs).
 */
final class JwkSets implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JwkSets.class);
    private static final int MAX_BYTES = 512 * 1024;

    private final ConcurrentHashMap<String, JWKSource<SecurityContext>> sources = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final Duration minRefresh;
    private final Duration timeout;

    JwkSets(Duration ttl, Duration minRefresh, Duration timeout) {
        if (ttl.compareTo(minRefresh) <= 0) {
            // Nimbus refuses the combination too, but only when the first token arrives
            throw new IllegalArgumentException("e2guard.cds.security.jwks-cache-ttl (" + ttl
                    + ") must be longer than e2guard.cds.security.jwks-refresh-min-interval (" + minRefresh + ")");
        }
        this.ttl = ttl;
        this.minRefresh = minRefresh;
        this.timeout = timeout;
    }

    /** The keys published at {@code url}, fetched on first use. */
    JWKSource<SecurityContext> at(String url) throws MalformedURLException {
        JWKSource<SecurityContext> source = sources.get(url);
        if (source != null) {
            return source;
        }
        URL location = URI.create(url).toURL();
        return sources.computeIfAbsent(url, u -> build(u, location));
    }

    private JWKSource<SecurityContext> build(String url, URL location) {
        int millis = (int) timeout.toMillis();
        JWKSetSource<SecurityContext> remote = new PublicKeysOnly(
                new URLBasedJWKSetSource<>(location, new NoRedirects(millis, MAX_BYTES)));
        return JWKSourceBuilder.create(remote)
                // other threads wait this long for a fetch in progress: connect and read, retried once
                .cache(ttl.toMillis(), 4L * millis)
                // no background refresh threads: a fetch at expiry is one request's wait, as before
                .refreshAheadCache(false)
                .rateLimited(minRefresh.toMillis(), event -> LOG.debugf("JWK Set at %s: refresh refused by the rate limit", url))
                .retrying(true)
                .outageTolerant(10 * ttl.toMillis(), event -> LOG.warnf(
                        "could not fetch the JWK Set at %s (%s); using the set fetched before", url,
                        event instanceof OutageTolerantJWKSetSource.OutageEvent<?> outage
                                ? outage.getException().getClass().getSimpleName() : "unavailable"))
                .build();
    }

    @Override
    public void close() {
        sources.values().forEach(s -> {
            try {
                if (s instanceof AutoCloseable c) {
                    c.close();
                }
            } catch (Exception e) {
                // nothing is left to release after a failed close
            }
        });
        sources.clear();
    }

    /** Drops any private key material an issuer published by mistake: only public keys verify. */
    private static final class PublicKeysOnly extends JWKSetSourceWrapper<SecurityContext> {
        PublicKeysOnly(JWKSetSource<SecurityContext> source) {
            super(source);
        }

        @Override
        public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refresh, long currentTime, SecurityContext context)
                throws KeySourceException {
            return getSource().getJWKSet(refresh, currentTime, context).toPublicJWKSet();
        }
    }

    /** Nimbus' retriever with timeouts and a size limit, refusing redirects. */
    private static final class NoRedirects extends DefaultResourceRetriever {
        NoRedirects(int timeoutMillis, int maxBytes) {
            super(timeoutMillis, timeoutMillis, maxBytes);
        }

        @Override
        protected HttpURLConnection openHTTPConnection(URL url) throws IOException {
            HttpURLConnection c = super.openHTTPConnection(url);
            c.setInstanceFollowRedirects(false);
            return c;
        }
    }
}
