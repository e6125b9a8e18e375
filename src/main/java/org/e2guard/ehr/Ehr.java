package org.e2guard.ehr;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

import org.e2guard.ehr.auth.EhrAuth;
import org.e2guard.ehr.config.EhrConfig;
import org.hl7.fhir.r4.model.CapabilityStatement;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/** One configured EHR at run time: its FHIR client, credentials, breaker and notification secret. */
public final class Ehr {
    private final String name;
    private final EhrConfig.Ehr config;
    private final IGenericClient client;
    private final EhrAuth auth;
    private final CircuitBreaker breaker;
    private final byte[] secretDigest;

    public Ehr(String name, EhrConfig.Ehr config, IGenericClient client, EhrAuth auth, CircuitBreaker breaker) {
        this.name = name;
        this.config = config;
        this.client = client;
        this.auth = auth;
        this.breaker = breaker;
        this.secretDigest = config.push().secret().filter(s -> !s.isBlank()).map(Ehr::sha256).orElse(null);
    }

    public String name() {
        return name;
    }

    public EhrConfig.Ehr config() {
        return config;
    }

    public IGenericClient client() {
        return client;
    }

    public EhrAuth auth() {
        return auth;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public boolean pushEnabled() {
        return config.push().enabled();
    }

    public int pageSize() {
        return config.pageSize();
    }

    /** The catch-up sync interval: configured, else 10 minutes with push and 1 minute without. */
    public Duration syncInterval() {
        return config.sync().interval().orElse(pushEnabled() ? Duration.ofMinutes(10) : Duration.ofMinutes(1));
    }

    /**
     * Whether a notification carries this EHR's secret. Both sides are hashed first and compared
     * with {@link MessageDigest#isEqual}, so the time taken says nothing about the secret.
     */
    public boolean secretMatches(String presented) {
        if (secretDigest == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(secretDigest, sha256(presented));
    }

    /** A cheap liveness probe for the circuit breaker: {@code GET [base]/metadata}. */
    public boolean probe() {
        try {
            client.capabilities().ofType(CapabilityStatement.class).execute();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
