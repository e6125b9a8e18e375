package org.e2guard.ehr.testserver;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A SMART Backend Services authorization server for the test EHR: {@code .well-known/smart-configuration}
 * names the token endpoint; the token endpoint accepts {@code client_credentials} with a
 * {@code private_key_jwt} client assertion only if its signature verifies with the client's
 * registered public key, iss = sub = client id, aud = the token endpoint, exp in the future and at
 * most five minutes away, and the jti unused. It counts its calls (so tests can prove caching) and
 * hands out tokens the protected FHIR endpoint accepts.
 */
public final class SmartAuthorization {
    private final Map<String, PublicKey> clients = new ConcurrentHashMap<>();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final Set<String> usedJtis = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokenCalls = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile int expiresIn = 300;

    public void register(String clientId, PublicKey key) {
        clients.put(clientId, key);
    }

    public void expiresIn(int seconds) {
        expiresIn = seconds;
    }

    public int tokenCalls() {
        return tokenCalls.get();
    }

    public int refused() {
        return refused.get();
    }

    public boolean accepts(String authorization) {
        return authorization != null && authorization.startsWith("Bearer ") && tokens.contains(authorization.substring(7));
    }

    /** {@code GET [base]/.well-known/smart-configuration}. */
    public HttpServlet configuration(String tokenUrl) {
        return new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setContentType("application/json");
                resp.getWriter().write("{\"token_endpoint\":\"" + tokenUrl.replace("{host}", req.getHeader("Host"))
                        + "\",\"grant_types_supported\":[\"client_credentials\"],"
                        + "\"token_endpoint_auth_methods_supported\":[\"private_key_jwt\"],"
                        + "\"token_endpoint_auth_signing_alg_values_supported\":[\"RS384\",\"ES384\"],"
                        + "\"scopes_supported\":[\"system/*.read\",\"system/*.write\"],"
                        + "\"capabilities\":[\"client-confidential-asymmetric\"]}");
            }
        };
    }

    /** {@code POST [token endpoint]}. */
    public HttpServlet tokenEndpoint() {
        return new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                tokenCalls.incrementAndGet();
                Map<String, String> form = form(new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                String audience = req.getRequestURL().toString();
                String error = check(form, audience);
                resp.setContentType("application/json");
                if (error != null) {
                    refused.incrementAndGet();
                    resp.setStatus(400);
                    resp.getWriter().write("{\"error\":\"invalid_client\",\"error_description\":\"" + error + "\"}");
                    return;
                }
                String token = UUID.randomUUID().toString();
                tokens.add(token);
                resp.getWriter().write("{\"access_token\":\"" + token + "\",\"token_type\":\"bearer\",\"expires_in\":"
                        + expiresIn + ",\"scope\":\"" + form.getOrDefault("scope", "") + "\"}");
            }
        };
    }

    private String check(Map<String, String> form, String audience) {
        if (!"client_credentials".equals(form.get("grant_type"))) {
            return "grant_type must be client_credentials";
        }
        if (!"urn:ietf:params:oauth:client-assertion-type:jwt-bearer".equals(form.get("client_assertion_type"))) {
            return "wrong client_assertion_type";
        }
        try {
            SignedJWT jwt = SignedJWT.parse(form.get("client_assertion"));
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            PublicKey key = clients.get(claims.getIssuer());
            if (key == null || !claims.getIssuer().equals(claims.getSubject())) {
                return "unknown client";
            }
            JWSVerifier verifier = key instanceof RSAPublicKey rsa ? new RSASSAVerifier(rsa) : new ECDSAVerifier((ECPublicKey) key);
            if (!jwt.verify(verifier)) {
                return "bad signature";
            }
            if (!claims.getAudience().contains(audience)) {
                return "wrong audience";
            }
            Date exp = claims.getExpirationTime();
            Date iat = claims.getIssueTime() == null ? new Date() : claims.getIssueTime();
            // SMART: exp no more than five minutes after issue (judged against the assertion's own iat,
            // so that a test can run the client's clock ahead), and not already past
            if (exp == null || exp.getTime() < System.currentTimeMillis() || exp.getTime() - iat.getTime() > 5 * 60_000 + 10_000) {
                return "bad exp";
            }
            if (claims.getJWTID() == null || !usedJtis.add(claims.getJWTID())) {
                return "jti missing or replayed";
            }
            return null;
        } catch (Exception e) {
            return "unreadable client assertion";
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new HashMap<>();
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv.length == 2) {
                out.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
