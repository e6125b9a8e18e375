package org.e2guard.cds;

import static io.restassured.RestAssured.given;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.e2guard.cds.CdsTestSupport.sign;
import static org.e2guard.cds.CdsTestSupport.url;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.net.URI;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The EHR's JWT (CDS Hooks 2.0 "Trusting CDS Clients"), with keys served as JWK Sets over HTTP:
 * a valid token passes; each kind of bad token gets a bare 401.
 */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class CdsSecurityTest {
    static final String DISCOVERY = "/cds-services";
    static final String SERVICE = "/cds-services/" + PATIENT_VIEW;

    static void accepted(String path, String token) {
        given().header("Authorization", "Bearer " + token).get(DISCOVERY.equals(path) ? path : DISCOVERY)
                .then().statusCode(200);
    }

    static void refused(String token) {
        given().header("Authorization", "Bearer " + token).get(DISCOVERY)
                .then().statusCode(401).header("WWW-Authenticate", "Bearer realm=\"e2guard-cds\"").body(emptyString());
    }

    static String valid(String kid, JWSAlgorithm alg) {
        return sign(kid, alg, h -> {
        }, c -> c.audience(url(DISCOVERY)));
    }

    @Test
    void validTokensPass() {
        accepted(DISCOVERY, valid("ec-1", JWSAlgorithm.ES384));
        accepted(DISCOVERY, valid("rsa-1", JWSAlgorithm.RS384));
        // aud as an array, as RFC 7519 allows
        accepted(DISCOVERY, sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(List.of("https://other.example/cds-services", url(DISCOVERY)))));
    }

    @Test
    void noTokenIsRefused() {
        given().get(DISCOVERY).then().statusCode(401).body(emptyString());
        given().header("Authorization", "Basic dXNlcjpwYXNz").get(DISCOVERY).then().statusCode(401);
        refused("not.a.jwt");
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefused() {
        // the rogue key claims the trusted kid: the signature does not verify with the published key
        refused(sign("rogue", JWSAlgorithm.ES384, h -> h.keyID("ec-1"), c -> c.audience(url(DISCOVERY))));
        // a kid the issuer never published (a refetch of the JWK Set does not find it either)
        refused(sign("rogue", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(DISCOVERY))));
    }

    @Test
    void algNoneIsRefused() {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(EhrTestServer.ISSUER).audience(url(DISCOVERY))
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .jwtID("none-1").build();
        refused(new PlainJWT(claims).serialize());
        // a hand-made "alg":"none" header with a signature part, kid and all
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"ec-1\"}".getBytes());
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(claims.toString().getBytes());
        refused(header + "." + payload + ".");
    }

    @Test
    void hmacIsRefused() throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(EhrTestServer.ISSUER).audience(url(DISCOVERY))
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .jwtID("hs-1").build();
        JWSObject hs = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("ec-1").build(),
                new Payload(claims.toJSONObject()));
        hs.sign(new MACSigner("a-shared-secret-that-is-long-enough-for-hs256!!".getBytes()));
        refused(hs.serialize());
    }

    @Test
    void expiredOrStaleTokensAreRefused() {
        Instant now = Instant.now();
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(DISCOVERY)).issueTime(Date.from(now.minusSeconds(600)))
                .expirationTime(Date.from(now.minusSeconds(300)))));
        // issued in the future
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(DISCOVERY)).issueTime(Date.from(now.plusSeconds(300)))
                .expirationTime(Date.from(now.plusSeconds(400)))));
        // a lifetime beyond max-token-lifetime
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(DISCOVERY)).expirationTime(Date.from(now.plusSeconds(86400)))));
        // within the clock skew: still fine
        accepted(DISCOVERY, sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(DISCOVERY)).expirationTime(Date.from(now.minusSeconds(10)))));
    }

    @Test
    void theAudienceMustBeTheUrlCalled() {
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience("https://other.example/cds-services")));
        // a token for the service is not good for discovery, nor the other way round
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(SERVICE))));
        given().header("Authorization", "Bearer " + valid("ec-1", JWSAlgorithm.ES384)).contentType("application/json")
                .body("{}").post(SERVICE).then().statusCode(401);
        // no aud at all
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> {
        }));
    }

    @Test
    void anUnknownIssuerIsRefused() {
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(DISCOVERY)).issuer("https://evil.example/")));
    }

    @Test
    void aReplayedJtiIsRefused() {
        String token = valid("ec-1", JWSAlgorithm.ES384);
        accepted(DISCOVERY, token);
        refused(token);
        // and a missing jti is refused outright
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(DISCOVERY)).jwtID(null)));
    }

    @Test
    void jkuIsUsedOnlyWhenAllowListed() {
        String base = CdsTestSupport.config("e2guard-test.base");
        accepted(DISCOVERY, sign("jku-ok-1", JWSAlgorithm.ES384, h -> h.jwkURL(URI.create(base + "/jwks/jku-ok")),
                c -> c.audience(url(DISCOVERY))));
        refused(sign("jku-bad-1", JWSAlgorithm.ES384, h -> h.jwkURL(URI.create(base + "/jwks/jku-bad")),
                c -> c.audience(url(DISCOVERY))));
    }

    @Test
    void theTenantMustMatchWhenConfigured() {
        accepted(DISCOVERY, sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.issuer(EhrTestServer.TENANT_ISSUER).audience(url(DISCOVERY)).claim("tenant", EhrTestServer.TENANT)));
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.issuer(EhrTestServer.TENANT_ISSUER).audience(url(DISCOVERY)).claim("tenant", "org-7")));
        refused(sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.issuer(EhrTestServer.TENANT_ISSUER).audience(url(DISCOVERY))));
    }

    @Test
    void aRotatedKeyIsPickedUpOnItsFirstUse() {
        // ec-2 is not published yet: refused, even after a refetch
        refused(valid("ec-2", JWSAlgorithm.ES384));
        given().post(CdsTestSupport.config("e2guard-test.base") + "/jwks/ehr/rotate").then().statusCode(204);
        // the unknown kid makes the service fetch the set again and find it
        accepted(DISCOVERY, valid("ec-2", JWSAlgorithm.ES384));
    }

    @Test
    void preflightNeedsNoToken() {
        given().header("Origin", "https://ehr-browser.example").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .options(SERVICE).then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo("https://ehr-browser.example"));
    }

    @Test
    void corsAnswersDoNotInviteCredentials() {
        // bearer JWTs travel in Authorization; browsers need not send cookies along
        given().header("Origin", "https://ehr-browser.example").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .options(SERVICE).then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo("https://ehr-browser.example"))
                .header("Access-Control-Allow-Credentials", anyOf(nullValue(), equalTo("false")));
        given().header("Origin", "https://ehr-browser.example").header("Authorization", "Bearer " + valid("ec-1", JWSAlgorithm.ES384))
                .get(DISCOVERY).then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo("https://ehr-browser.example"))
                .header("Access-Control-Allow-Credentials", anyOf(nullValue(), equalTo("false")));
    }
}
