package org.e2guard.cds.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The CDS Hooks 2.0 face of e2guard: discovery, the three hook services, feedback and their security. */
@ConfigMapping(prefix = "e2guard.cds")
public interface CdsConfig {

    /**
     * The public base URL EHRs use to reach this service (scheme, host, port and any path prefix,
     * e.g. {@code https://cds.example.org/e2guard}). A JWT's {@code aud} must equal this base plus
     * the path called ({@code /cds-services} or {@code /cds-services/{id}}). Set it whenever a
     * proxy or ingress sits in front; unset, the URL is taken from the request itself.
     */
    Optional<String> publicBaseUrl();

    /**
     * A SMART app to offer on every card as a {@code smart} link (the EHR launches it with its
     * SMART context). Unset: cards carry only {@code absolute} links to the rule documentation.
     */
    Optional<String> smartAppUrl();

    /** Largest hook request body accepted (prefetch included); larger ones get 413. */
    @WithDefault("10M")
    MemorySize maxBodySize();

    /**
     * Enables {@code POST /bench/cds-bare}, a bare endpoint that reads a body and answers with a
     * JSON document of a requested size, so that {@code bench/cds-load.sh} can measure the
     * framework's own cost beside the real hook. Off in every real deployment.
     */
    @WithDefault("false")
    boolean benchmarkEndpoint();

    FhirServer fhirServer();

    Security security();

    Feedback feedback();

    /** How the service reads what prefetch did not supply from the EHR's {@code fhirServer}. */
    interface FhirServer {
        /** Refuse {@code fhirServer} URLs that are not https (CDS Hooks: MUST be https with production data). */
        @WithDefault("true")
        boolean requireHttps();

        /**
         * URL prefixes a request's {@code fhirServer} must start with (comma-separated). Unset: any
         * server the authenticated EHR names. Set it to keep the service from calling anywhere else.
         */
        Optional<List<String>> allowedUrls();

        /** Time to open a connection to the FHIR server. */
        @WithDefault("2S")
        Duration connectTimeout();

        /** Time to wait for bytes of one response. */
        @WithDefault("5S")
        Duration readTimeout();

        /** Time for everything one hook call reads from the FHIR server (all queries and pages). */
        @WithDefault("8S")
        Duration deadline();

        /** {@code _count} asked for on the service's own searches (the server may cap it). */
        @WithDefault("100")
        int pageSize();

        /**
         * Pages followed per query, prefetch continuation included. A search with more pages is
         * not evaluated on partial data: the call gets 412.
         */
        @WithDefault("10")
        int maxPages();

        /** Threads shared by all hook calls for FHIR server reads (the queries of one call run in parallel). */
        @WithDefault("8")
        int threads();
    }

    /** How the EHR's JWT (CDS Hooks 2.0 "Trusting CDS Clients") is verified. */
    interface Security {
        /**
         * Require a valid JWT on every /cds-services call. Only a developer machine may turn this
         * off ({@code %dev}); the service then warns loudly at start-up.
         */
        @WithDefault("true")
        boolean enforce();

        /**
         * The EHRs trusted to call, by a name of your choosing:
         * {@code e2guard.cds.security.issuers.<name>.issuer=https://ehr.example.org},
         * {@code ...<name>.jwks-url=https://ehr.example.org/jwks.json} (env:
         * {@code E2GUARD_CDS_SECURITY_ISSUERS_<NAME>_ISSUER}, ...).
         */
        Map<String, Issuer> issuers();

        /** Signature algorithms accepted; asymmetric only ({@code none} and HMAC are refused whatever this says). */
        @WithDefault("ES384,RS384,ES256,ES512,RS256,RS512,PS256,PS384,PS512")
        List<String> algorithms();

        /** Tolerance for clock differences when checking {@code exp} and {@code iat}. */
        @WithDefault("60S")
        Duration clockSkew();

        /**
         * Longest accepted token lifetime: {@code exp} at most this far in the future and {@code iat}
         * at most this far in the past. Bounds how long a {@code jti} must be remembered.
         */
        @WithDefault("10M")
        Duration maxTokenLifetime();

        /**
         * How often each replica deletes the expired {@code iss+jti} pairs from the shared replay
         * table ({@code cds_jti}); a pair is needed only until its token expires (plus the skew).
         */
        @WithDefault("5M")
        Duration replayCleanupInterval();

        /**
         * How long a fetched JWK Set is used before it is fetched again. While the EHR cannot be
         * reached, the last good set is used for up to ten times this. Must be longer than
         * {@link #jwksRefreshMinInterval()}.
         */
        @WithDefault("1H")
        Duration jwksCacheTtl();

        /**
         * Rate limit of the fetches of one JWK Set: at most two per interval, whatever the cause
         * (an unknown {@code kid}, expiry), so a flood of bad tokens cannot hammer the EHR.
         */
        @WithDefault("30S")
        Duration jwksRefreshMinInterval();

        /** Connect and read timeout of a JWK Set fetch (a failed fetch is retried once). */
        @WithDefault("3S")
        Duration jwksTimeout();
    }

    /** One trusted EHR (JWT issuer). */
    interface Issuer {
        /** The exact {@code iss} value of its JWTs. */
        String issuer();

        /** Where its JWK Set is, agreed out of band; used when a JWT has no {@code jku}. */
        Optional<String> jwksUrl();

        /**
         * {@code jku} values accepted from this issuer (exact URLs, comma-separated). A JWT whose
         * {@code jku} is not listed here (or equal to {@code jwks-url}) is refused.
         */
        Optional<List<String>> allowedJku();

        /** When set, the JWT's {@code tenant} claim must equal it. */
        Optional<String> tenant();
    }

    interface Feedback {
        /** Cards remembered (uuid to rules) so that feedback can be stored with the rules it is about. */
        @WithDefault("100000")
        int rememberedCards();

        /** How long a card is remembered for feedback. */
        @WithDefault("24H")
        Duration rememberCardsFor();
    }
}
