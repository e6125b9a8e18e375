package org.e2guard.cds.security;

import java.net.MalformedURLException;
import java.security.Key;
import java.security.Provider;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.e2guard.cds.config.CdsConfig;
import org.jboss.logging.Logger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Verifies the JWT an EHR sends with every CDS Hooks call (CDS Hooks 2.0 "Trusting CDS Clients"):
 * signed with an asymmetric algorithm (never {@code none}, never HMAC) by a key of the issuer's
 * JWK Set (its configured URL, or a {@code jku} only when allow-listed), {@code iss} trusted,
 * {@code aud} the exact URL called, {@code exp}/{@code iat} current within a small skew,
 * {@code jti} not seen before by any replica ({@link ReplayStore}), {@code tenant} as configured.
 */
@ApplicationScoped
public class CdsJwtVerifier {
    private static final Logger LOG = Logger.getLogger(CdsJwtVerifier.class);

    /** Why a token was refused: for the service's log, never for the caller. */
    public static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Who the token proved the caller to be. */
    public record Verified(String issuer, String tenant) {
    }

    /**
     * Bouncy Castle for ECDSA only, handed to the verifier (not installed JVM-wide): the JDK 17
     * provider takes about 3.5 times as long to verify a P-384 signature (ES384, which CDS Hooks
     * recommends), and that was the largest cost of a hook call. RSA stays with the JDK.
     * Constructing the provider registers a few thousand algorithms, a fifth of the service's
     * start-up work when it was a static field here: it is built on first use, or in the
     * background after start when issuers are configured ({@link #onStart}).
     */
    private static final class EcProvider {
        static final Provider INSTANCE = new BouncyCastleProvider();
    }

    /** Nimbus' verifiers, with {@link EcProvider} for ECDSA. */
    private static final JWSVerifierFactory VERIFIERS = new DefaultJWSVerifierFactory() {
        @Override
        public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
            if (key instanceof ECPublicKey ec && JWSAlgorithm.Family.EC.contains(header.getAlgorithm())) {
                ECDSAVerifier ecdsa = new ECDSAVerifier(ec);
                ecdsa.getJCAContext().setProvider(EcProvider.INSTANCE);
                return ecdsa;
            }
            return super.createJWSVerifier(header, key);
        }
    };

    /** CDS Hooks 2.0 requires these; {@code tenant} is required only of an issuer configured with one. */
    private static final Set<String> REQUIRED_CLAIMS = Set.of(JWTClaimNames.ISSUER, JWTClaimNames.AUDIENCE,
            JWTClaimNames.EXPIRATION_TIME, JWTClaimNames.ISSUED_AT, JWTClaimNames.JWT_ID);

    /** {@code typ}, when present, must say JWT (in any case, as RFC 7515 compares media types). */
    private static final JOSEObjectTypeVerifier<SecurityContext> JWT_TYPE = (type, context) -> {
        if (type != null && !"jwt".equals(type.getType().toLowerCase(Locale.ROOT))) {
            throw new BadJOSEException("typ " + type + " is not JWT");
        }
    };

    private final Map<String, CdsConfig.Issuer> issuers = new java.util.HashMap<>();
    private final Set<JWSAlgorithm> algorithms = new HashSet<>();
    private final Duration skew;
    private final Duration maxLifetime;
    private final JwkSets jwks;
    private final ReplayStore replays;
    private final Clock clock;

    public CdsJwtVerifier(CdsConfig config, Clock clock, ReplayStore replays) {
        CdsConfig.Security s = config.security();
        for (CdsConfig.Issuer i : s.issuers().values()) {
            issuers.put(i.issuer(), i);
        }
        for (String a : s.algorithms()) {
            JWSAlgorithm alg = JWSAlgorithm.parse(a.trim());
            // asymmetric only, whatever the configuration says (CDS Hooks: no none, no HMAC)
            if (JWSAlgorithm.Family.RSA.contains(alg) || JWSAlgorithm.Family.EC.contains(alg)) {
                algorithms.add(alg);
            }
        }
        this.skew = s.clockSkew();
        this.maxLifetime = s.maxTokenLifetime();
        this.clock = clock;
        this.jwks = new JwkSets(s.jwksCacheTtl(), s.jwksRefreshMinInterval(), s.jwksTimeout());
        this.replays = replays;
    }

    void onStart(@Observes StartupEvent e, CdsConfig config) {
        if (!config.security().enforce()) {
            LOG.warn("""

                    ******************************************************************************
                    *  e2guard.cds.security.enforce=false: /cds-services accepts calls WITHOUT a   *
                    *  signed JWT. Anyone who can reach the service can read its decision support. *
                    *  Development only; never run like this with real patient data.               *
                    ******************************************************************************""");
        } else if (!hasIssuers()) {
            LOG.warn("No trusted CDS Hooks issuers configured (e2guard.cds.security.issuers.*): every /cds-services call will get 401.");
        } else {
            // off the start-up path, but before the first ES384-signed call would pay for it
            Thread warm = new Thread(() -> EcProvider.INSTANCE.getName(), "e2guard-ec-provider-warm-up");
            warm.setDaemon(true);
            warm.start();
        }
    }

    @PreDestroy
    void close() {
        jwks.close();
    }

    public boolean hasIssuers() {
        return !issuers.isEmpty();
    }

    /**
     * @param authorization the Authorization header
     * @param audiences     the URLs the token may be addressed to (the URL called, exactly)
     */
    public Verified verify(String authorization, List<String> audiences) throws Refused, ReplayStore.Unavailable {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Refused("no bearer token");
        }
        String token = authorization.substring(7).trim();
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new Refused("not a JWT");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw new Refused("not a signed JWT (alg none or encrypted)");
        }
        JWSHeader header = signed.getHeader();
        if (!algorithms.contains(header.getAlgorithm())) {
            throw new Refused("algorithm " + header.getAlgorithm() + " not accepted");
        }
        String kid = header.getKeyID();
        if (kid == null || kid.isBlank()) {
            throw new Refused("no kid");
        }
        // the issuer, read before the signature is checked, only chooses where the keys come from
        String iss;
        try {
            iss = signed.getJWTClaimsSet().getIssuer();
        } catch (ParseException e) {
            throw new Refused("claims are not a JSON object");
        }
        CdsConfig.Issuer issuer = iss == null ? null : issuers.get(iss);
        if (issuer == null) {
            throw new Refused("issuer not trusted: " + iss);
        }

        JWTClaimsSet claims;
        try {
            claims = processor(issuer, keys(issuer, header), audiences).process(signed, null);
        } catch (BadJOSEException | JOSEException e) {
            throw new Refused(e.getClass().getSimpleName() + ": " + e.getMessage() + " (kid " + kid + ")");
        }

        // e2guard's own limits on top of Nimbus' exp/nbf check: a bounded lifetime and no future iat
        Instant now = clock.instant();
        Instant exp = claims.getExpirationTime().toInstant();
        Instant iat = claims.getIssueTime().toInstant();
        if (exp.isAfter(now.plus(maxLifetime).plus(skew))) {
            throw new Refused("exp further ahead than e2guard.cds.security.max-token-lifetime");
        }
        if (iat.isAfter(now.plus(skew))) {
            throw new Refused("issued in the future");
        }
        if (iat.isBefore(now.minus(maxLifetime).minus(skew))) {
            throw new Refused("issued too long ago");
        }
        String tenant;
        try {
            tenant = claims.getStringClaim("tenant");
        } catch (ParseException e) {
            throw new Refused("tenant is not a string");
        }
        String jti = claims.getJWTID();
        if (jti.isBlank()) {
            throw new Refused("no jti");
        }
        // recorded last, after the signature: unsigned junk must not fill the replay cache
        if (!replays.firstUse(iss, jti, exp)) {
            throw new Refused("jti replayed");
        }
        return new Verified(iss, tenant);
    }

    /**
     * Nimbus' processor for one call: the key from the issuer's JWK Set, an accepted asymmetric
     * algorithm, {@code typ} JWT when present, {@code iss} (and {@code tenant} when configured)
     * exactly as configured, {@code aud} one of the URLs called, the required claims present,
     * {@code exp} and {@code nbf} within the skew of e2guard's clock.
     */
    private DefaultJWTProcessor<SecurityContext> processor(CdsConfig.Issuer issuer, JWKSource<SecurityContext> keys,
                                                           List<String> audiences) {
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder().issuer(issuer.issuer());
        issuer.tenant().ifPresent(t -> exact.claim("tenant", t));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                Set.copyOf(audiences), exact.build(), REQUIRED_CLAIMS, null) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) skew.toSeconds());
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(JWT_TYPE);
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        processor.setJWSVerifierFactory(VERIFIERS);
        processor.setJWTClaimsSetVerifier(claims);
        return processor;
    }

    /** The JWK Set the token's keys come from: the issuer's configured one, or its jku when allow-listed. */
    private JWKSource<SecurityContext> keys(CdsConfig.Issuer issuer, JWSHeader header) throws Refused {
        String url = keySetUrl(issuer, header);
        try {
            return jwks.at(url);
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new Refused("JWK Set URL of " + issuer.issuer() + " is not a URL");
        }
    }

    /** The issuer's configured JWK Set, or the token's jku when this issuer allow-lists it. */
    private static String keySetUrl(CdsConfig.Issuer issuer, JWSHeader header) throws Refused {
        if (header.getJWKURL() != null) {
            String jku = header.getJWKURL().toString();
            boolean allowed = issuer.allowedJku().orElse(List.of()).contains(jku)
                    || issuer.jwksUrl().map(jku::equals).orElse(false);
            if (!allowed) {
                throw new Refused("jku not allow-listed for " + issuer.issuer() + ": " + jku);
            }
            return jku;
        }
        return issuer.jwksUrl().orElseThrow(() -> new Refused("no jwks-url configured for " + issuer.issuer()
                + " and the token has no jku"));
    }
}
