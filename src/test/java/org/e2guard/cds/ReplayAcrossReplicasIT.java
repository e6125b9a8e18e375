package org.e2guard.cds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import org.e2guard.testing.PackagedReplicas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Two replicas of the packaged service behind one public URL, on one PostgreSQL database, as a
 * Kubernetes Service runs them: a CDS Hooks token accepted by one replica is refused by the other
 * (its {@code jti} is recorded in the shared database), while a fresh token works on both. Before
 * the replay check was shared, each replica kept its own memory of seen tokens and this replayed
 * call was served twice.
 */
class ReplayAcrossReplicasIT {
    static final String ISSUER = "https://ehr.example.org/";
    /** What both replicas are known as to the EHR (the Service's URL): the audience of every token. */
    static final String PUBLIC_BASE = "https://cds.example.org/e2guard";
    static final String HOOK = "/cds-services/e2guard-patient-view";
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aTokenAcceptedByOneReplicaIsRefusedByTheOther(@TempDir Path dir) throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_384).keyID("it-1").generate();
        HttpServer jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] jwksBody = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwks.createContext("/jwks", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, jwksBody.length);
            ex.getResponseBody().write(jwksBody);
            ex.close();
        });
        jwks.start();
        try (PackagedReplicas replicas = PackagedReplicas.on(dir)) {
            String jwksUrl = "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks";
            List<String> bases = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                bases.add(replicas.start(name, "e2guard.cds.public-base-url=" + PUBLIC_BASE,
                        "e2guard.cds.security.issuers.ehr.issuer=" + ISSUER,
                        "e2guard.cds.security.issuers.ehr.jwks-url=" + jwksUrl).base());
            }

            String token = token(key);
            int first = call(bases.get(0), token);
            assertEquals(412, first, "replica a accepts a fresh token (then finds no data to read)");
            assertEquals(401, call(bases.get(1), token), "replica b refuses the token replica a has seen");
            assertEquals(401, call(bases.get(0), token), "and so does replica a itself");
            assertEquals(412, call(bases.get(1), token(key)), "replica b accepts a fresh token");
        } finally {
            jwks.stop(0);
        }
    }

    static String token(ECKey key) throws Exception {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES384).type(JOSEObjectType.JWT).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).subject("ehr-client").audience(PUBLIC_BASE + HOOK)
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                        .jwtID(UUID.randomUUID().toString()).build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    /** A patient-view call without prefetch or fhirServer: past the JWT check it is a 412, before it a 401. */
    int call(String base, String token) throws Exception {
        String body = """
                {"hook":"patient-view","hookInstance":"%s","context":{"userId":"Practitioner/1","patientId":"p1"}}"""
                .formatted(UUID.randomUUID());
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + HOOK)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
