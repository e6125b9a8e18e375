package org.e2guard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * For {@code bench/cds-load.sh signed}: a fresh ES384 key, its JWK Set ({@code jwks.json}) and
 * pre-signed tokens for one URL, each with its own jti, one file per wrk thread and phase, so
 * that no token is sent twice. Usage: {@code CdsBenchTokens <dir> <aud> <tokens per file> <threads>}.
 */
public final class CdsBenchTokens {
    public static final String ISSUER = "https://bench.ehr.test/";

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String aud = args[1];
        int perFile = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        ECKey key = new ECKeyGenerator(Curve.P_384).keyID("bench-1").keyUse(KeyUse.SIGNATURE)
                .algorithm(JWSAlgorithm.ES384).generate();
        Files.writeString(dir.resolve("jwks.json"), new JWKSet(key.toPublicJWK()).toString(true));
        ECDSASigner signer = new ECDSASigner(key);
        Files.writeString(dir.resolve("check-token.txt"), token(signer, aud) + "\n");
        for (String phase : List.of("warm", "run")) {
            for (int t = 0; t < threads; t++) {
                String lines = IntStream.range(0, perFile).parallel().mapToObj(i -> token(signer, aud))
                        .collect(Collectors.joining("\n", "", "\n"));
                Files.writeString(dir.resolve("tokens-" + phase + "-" + t + ".txt"), lines, StandardCharsets.US_ASCII);
            }
        }
    }

    static String token(ECDSASigner signer, String aud) {
        try {
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES384).type(JOSEObjectType.JWT)
                    .keyID("bench-1").build(),
                    new JWTClaimsSet.Builder().issuer(ISSUER).audience(aud).issueTime(Date.from(now))
                            .expirationTime(Date.from(now.plusSeconds(1500))).jwtID(UUID.randomUUID().toString()).build());
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static void write(Path p, String s) {
        try {
            Files.writeString(p, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
