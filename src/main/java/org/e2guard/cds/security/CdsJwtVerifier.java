package org.e2guard.cds.security;

import java.security.Provider;
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

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

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
     */
    private static final Provider EC_PROVIDER = new BouncyCastleProvider();

    private final Map<String, CdsConfig.Issuer> issuers = new java.util.HashMap<>();
    private final Set<JWSAlgorithm> algorithms = new HashSet<>();
    private final Duration skew;
    private final Duration maxLifetime;
    private final JwksCache jwks;
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
        this.jwks = new JwksCache(s.jwksCacheTtl(), s.jwksRefreshMinInterval(), s.jwksTimeout(), clock);
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
        }
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
        JWSAlgorithm alg = header.getAlgorithm();
        if (!algorithms.contains(alg)) {
            throw new Refused("algorithm " + alg + " not accepted");
        }
        if (header.getType() != null && !JOSEObjectType.JWT.equals(header.getType())
                && !"jwt".equals(header.getType().getType().toLowerCase(Locale.ROOT))) {
            throw new Refused("typ " + header.getType() + " is not JWT");
        }
        String kid = header.getKeyID();
        if (kid == null || kid.isBlank()) {
            throw new Refused("no kid");
        }
        JWTClaimsSet claims;
        try {
            claims = signed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new Refused("claims are not a JSON object");
        }
        String iss = claims.getIssuer();
        CdsConfig.Issuer issuer = iss == null ? null : issuers.get(iss);
        if (issuer == null) {
            throw new Refused("issuer not trusted: " + iss);
        }

        String url = keySetUrl(issuer, header);
        JWK key = jwks.key(url, kid);
        if (key == null) {
            throw new Refused("no key " + kid + " in the JWK Set of " + iss);
        }
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            throw new Refused("key " + kid + " is not a signature key");
        }
        if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())) {
            throw new Refused("key " + kid + " is for " + key.getAlgorithm() + ", not " + alg);
        }
        try {
            JWSVerifier verifier;
            if (JWSAlgorithm.Family.EC.contains(alg) && key instanceof ECKey ec) {
                ECDSAVerifier ecdsa = new ECDSAVerifier(ec);
                ecdsa.getJCAContext().setProvider(EC_PROVIDER);
                verifier = ecdsa;
            } else if (JWSAlgorithm.Family.RSA.contains(alg) && key instanceof RSAKey rsa) {
                verifier = new RSASSAVerifier(rsa);
            } else {
                throw new Refused("key " + kid + " (" + key.getKeyType() + ") does not fit " + alg);
            }
            if (!signed.verify(verifier)) {
                throw new Refused("bad signature (kid " + kid + ")");
            }
        } catch (JOSEException e) {
            throw new Refused("signature not verifiable: " + e.getClass().getSimpleName());
        }

        Instant now = clock.instant();
        Instant exp = instant(claims.getExpirationTime());
        Instant iat = instant(claims.getIssueTime());
        if (exp == null || iat == null) {
            throw new Refused("exp and iat are required");
        }
        if (now.isAfter(exp.plus(skew))) {
            throw new Refused("expired");
        }
        if (exp.isAfter(now.plus(maxLifetime).plus(skew))) {
            throw new Refused("exp further ahead than e2guard.cds.security.max-token-lifetime");
        }
        if (iat.isAfter(now.plus(skew))) {
            throw new Refused("issued in the future");
        }
        if (iat.isBefore(now.minus(maxLifetime).minus(skew))) {
            throw new Refused("issued too long ago");
        }
        Instant nbf = instant(claims.getNotBeforeTime());
        if (nbf != null && nbf.isAfter(now.plus(skew))) {
            throw new Refused("not valid yet (nbf)");
        }
        List<String> aud = claims.getAudience();
        if (aud == null || aud.stream().noneMatch(audiences::contains)) {
            throw new Refused("aud " + aud + " is not the URL called " + audiences);
        }
        String tenant;
        try {
            tenant = claims.getStringClaim("tenant");
        } catch (ParseException e) {
            throw new Refused("tenant is not a string");
        }
        if (issuer.tenant().isPresent() && !issuer.tenant().get().equals(tenant)) {
            throw new Refused("tenant does not match the configured one");
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isBlank()) {
            throw new Refused("no jti");
        }
        // recorded last, after the signature: unsigned junk must not fill the replay cache
        if (!replays.firstUse(iss, jti, exp)) {
            throw new Refused("jti replayed");
        }
        return new Verified(iss, tenant);
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

    private static Instant instant(Date d) {
        return d == null ? null : d.toInstant();
    }
}
