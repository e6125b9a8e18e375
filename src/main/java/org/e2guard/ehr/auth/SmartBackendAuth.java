package org.e2guard.ehr.auth;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.e2guard.ehr.EhrException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * SMART Backend Services (SMART App Launch 2, "client-confidential-asymmetric"): e2guard proves its
 * identity with a short-lived JWT signed by its private key ({@code private_key_jwt}) and gets an
 * access token by the {@code client_credentials} grant. The token endpoint is discovered from
 * {@code [base]/.well-known/smart-configuration} unless configured; the token is reused until
 * shortly before it expires, and dropped when the EHR answers 401.
 */
public final class SmartBackendAuth implements EhrAuth {
    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** Lifetime of a client assertion; SMART allows at most five minutes. */
    private static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(5);

    private final String baseUrl;
    private final String clientId;
    private final String scope;
    private final String keyId;
    private final JWSAlgorithm algorithm;
    private final JWSSigner signer;
    private final Duration margin;
    private final Duration timeout;
    private final Clock clock;
    private final ObjectMapper json;
    private final HttpClient http;

    private String tokenEndpoint;
    private String token;
    private Instant refreshAt;

    public SmartBackendAuth(String baseUrl, String clientId, String scope, String keyId, String algorithm,
                            String privateKeyPem, String tokenEndpoint, Duration margin, Duration timeout, Clock clock,
                            ObjectMapper json) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.clientId = clientId;
        this.scope = scope;
        this.keyId = keyId;
        this.tokenEndpoint = tokenEndpoint;
        this.margin = margin;
        this.timeout = timeout;
        this.clock = clock;
        this.json = json;
        this.algorithm = JWSAlgorithm.parse(algorithm);
        try {
            if (JWSAlgorithm.RS384.equals(this.algorithm)) {
                this.signer = new RSASSASigner(PrivateKeys.fromPem(privateKeyPem, "RSA"));
            } else if (JWSAlgorithm.ES384.equals(this.algorithm)) {
                PrivateKey key = PrivateKeys.fromPem(privateKeyPem, "EC");
                this.signer = new ECDSASigner((ECPrivateKey) key);
            } else {
                throw new IllegalArgumentException("SMART Backend Services signs with RS384 or ES384, not " + algorithm);
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the private key cannot sign " + algorithm + ": " + e.getMessage());
        }
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public synchronized String authorization() {
        Instant now = clock.instant();
        if (token == null || !now.isBefore(refreshAt)) {
            requestToken(now);
        }
        return "Bearer " + token;
    }

    @Override
    public synchronized void invalidate() {
        token = null;
    }

    /** The token endpoint: configured, or discovered once from the EHR's SMART configuration. */
    synchronized String tokenEndpoint() {
        if (tokenEndpoint == null) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/.well-known/smart-configuration"))
                    .timeout(timeout).header("Accept", "application/json").GET().build();
            JsonNode config = send(request, "SMART configuration");
            JsonNode endpoint = config.get("token_endpoint");
            if (endpoint == null || !endpoint.isTextual() || endpoint.asText().isBlank()) {
                throw new EhrException(EhrException.Reason.REJECTED, 0,
                        "the EHR's .well-known/smart-configuration names no token_endpoint", null);
            }
            tokenEndpoint = endpoint.asText();
        }
        return tokenEndpoint;
    }

    private void requestToken(Instant now) {
        String endpoint = tokenEndpoint();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("scope", scope);
        form.put("client_assertion_type", ASSERTION_TYPE);
        form.put("client_assertion", assertion(endpoint, now));
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint)).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        JsonNode answer = send(request, "token endpoint");
        JsonNode accessToken = answer.get("access_token");
        if (accessToken == null || !accessToken.isTextual()) {
            throw new EhrException(EhrException.Reason.AUTH, 200, "the token endpoint answered without an access_token", null);
        }
        long expiresIn = answer.has("expires_in") ? answer.get("expires_in").asLong(300) : 300;
        // reuse until shortly before expiry; a token shorter-lived than twice the margin is reused for half its life
        long reuse = Math.max(expiresIn - margin.toSeconds(), expiresIn / 2);
        token = accessToken.asText();
        refreshAt = now.plusSeconds(reuse);
    }

    /** The signed client assertion: iss = sub = client id, aud = the token endpoint, unique jti, exp within five minutes. */
    String assertion(String audience, Instant now) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(clientId).subject(clientId).audience(audience)
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
                .build();
        JWSHeader.Builder header = new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT);
        if (keyId != null) {
            header.keyID(keyId);
        }
        SignedJWT jwt = new SignedJWT(header.build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new EhrException(EhrException.Reason.INTERNAL, 0, "cannot sign the client assertion", e.getMessage());
        }
        return jwt.serialize();
    }

    private JsonNode send(HttpRequest request, String what) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new EhrException(EhrException.Reason.UNAVAILABLE, 0, what + " not reachable (" + e.getClass().getSimpleName() + ")", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EhrException(EhrException.Reason.UNAVAILABLE, 0, what + " request interrupted", null);
        }
        int status = response.statusCode();
        if (status >= 500 || status == 429 || status == 408) {
            throw new EhrException(EhrException.Reason.UNAVAILABLE, status, what + " answered HTTP " + status, null);
        }
        if (status != 200) {
            throw new EhrException(EhrException.Reason.AUTH, status, what + " answered HTTP " + status,
                    response.body().length() > 300 ? response.body().substring(0, 300) : response.body());
        }
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new EhrException(EhrException.Reason.REJECTED, status, what + " answered with invalid JSON", null);
        }
    }
}
