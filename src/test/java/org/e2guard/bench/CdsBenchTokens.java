package org.e2guard.bench;

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
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * For {@code bench/cds-load.sh signed}: a fresh ES384 key, its JWK Set ({@code jwks.json}) and
 * pre-signed tokens for one URL, each with its own jti, one file per wrk thread and phase, so
 * that no token is sent twice. Usage:
 * {@code CdsBenchTokens <dir> <aud> <warm-up tokens per file> <run tokens per file> <threads> [ES384|RS384]}.
 */
public final class CdsBenchTokens {
    public static final String ISSUER = "https://bench.ehr.test/";

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String aud = args[1];
        int warm = Integer.parseInt(args[2]);
        int run = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        JWSAlgorithm alg = JWSAlgorithm.parse(args.length > 5 ? args[5] : "ES384");
        JWSSigner signer;
        JWK key;
        if (JWSAlgorithm.Family.EC.contains(alg)) {
            ECKey ec = new ECKeyGenerator(Curve.P_384).keyID("bench-1").keyUse(KeyUse.SIGNATURE).algorithm(alg).generate();
            ECDSASigner ecdsa = new ECDSASigner(ec);
            ecdsa.getJCAContext().setProvider(new BouncyCastleProvider()); // signing is not what is measured
            signer = ecdsa;
            key = ec;
        } else {
            RSAKey rsa = new RSAKeyGenerator(2048).keyID("bench-1").keyUse(KeyUse.SIGNATURE).algorithm(alg).generate();
            signer = new RSASSASigner(rsa);
            key = rsa;
        }
        Files.writeString(dir.resolve("jwks.json"), new JWKSet(key.toPublicJWK()).toString(true));
        Files.writeString(dir.resolve("check-token.txt"), token(signer, alg, aud) + "\n");
        for (String phase : List.of("warm", "run")) {
            int perFile = phase.equals("warm") ? warm : run;
            for (int t = 0; t < threads; t++) {
                String lines = IntStream.range(0, perFile).parallel().mapToObj(i -> token(signer, alg, aud))
                        .collect(Collectors.joining("\n", "", "\n"));
                Files.writeString(dir.resolve("tokens-" + phase + "-" + t + ".txt"), lines, StandardCharsets.US_ASCII);
            }
        }
    }

    static String token(JWSSigner signer, JWSAlgorithm alg, String aud) {
        try {
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).type(JOSEObjectType.JWT)
                    .keyID("bench-1").build(),
                    new JWTClaimsSet.Builder().issuer(ISSUER).audience(aud).issueTime(Date.from(now))
                            .expirationTime(Date.from(now.plusSeconds(1700))).jwtID(UUID.randomUUID().toString()).build());
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
