package org.e2guard.ehr.auth;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** Reads the PKCS#8 PEM private key that signs SMART client assertions. */
public final class PrivateKeys {
    private PrivateKeys() {
    }

    /**
     * @param keyAlgorithm {@code RSA} or {@code EC}
     * @throws IllegalArgumentException when the text is not a PKCS#8 key of that algorithm
     */
    public static PrivateKey fromPem(String pem, String keyAlgorithm) {
        if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")) {
            throw new IllegalArgumentException("the private key is in PKCS#1/SEC1 form; convert it with "
                    + "'openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem'");
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            return KeyFactory.getInstance(keyAlgorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the private key is not a PKCS#8 PEM " + keyAlgorithm + " key ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
