package org.e2guard.ehr.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.e2guard.ehr.EhrException;
import org.e2guard.ehr.testserver.MemoryFhirServer;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;

/**
 * SMART Backend Services against a token endpoint that verifies the client assertion's signature
 * with the registered public key: the token is discovered, obtained, reused until shortly before
 * expiry, and replaced after a 401.
 */
class SmartBackendAuthTest {
    /** The service hands SmartBackendAuth its one managed mapper; outside Quarkus a plain one reads the same JSON. */
    static final ObjectMapper JSON = new ObjectMapper();
    static MemoryFhirServer server;

    @BeforeAll
    static void start() {
        server = MemoryFhirServer.start(0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS384", "ES384"})
    void tokenIsObtainedWithASignedAssertionAndCachedUntilShortlyBeforeExpiry(String algorithm) {
        KeyPair keys = algorithm.startsWith("RS") ? TestKeys.rsa() : TestKeys.ecP384();
        String clientId = "e2guard-" + algorithm;
        server.registerSmartClient(clientId, keys.getPublic());
        MovableClock clock = new MovableClock();
        SmartBackendAuth auth = new SmartBackendAuth(server.smartBaseUrl(), clientId, "system/*.read", "kid-1", algorithm,
                TestKeys.pem(keys), null, Duration.ofSeconds(60), Duration.ofSeconds(5), clock, JSON);
        int before = server.smart().tokenCalls();

        IGenericClient client = client(auth);
        client.search().forResource(Patient.class).returnBundle(Bundle.class).execute();
        client.search().forResource(Patient.class).returnBundle(Bundle.class).execute();
        assertEquals(before + 1, server.smart().tokenCalls(), "one token for both requests");

        clock.now.set(clock.now.get().plusSeconds(300 - 61));
        auth.authorization();
        assertEquals(before + 1, server.smart().tokenCalls(), "still reused 61 s before expiry");
        clock.now.set(clock.now.get().plusSeconds(2));
        auth.authorization();
        assertEquals(before + 2, server.smart().tokenCalls(), "replaced within the margin before expiry");

        auth.invalidate();
        auth.authorization();
        assertEquals(before + 3, server.smart().tokenCalls(), "replaced after the EHR refused it");
    }

    @Test
    void anAssertionSignedWithAnotherKeyIsRefused() {
        KeyPair registered = TestKeys.rsa();
        server.registerSmartClient("e2guard-wrong-key", registered.getPublic());
        SmartBackendAuth auth = new SmartBackendAuth(server.smartBaseUrl(), "e2guard-wrong-key", "system/*.read", null,
                "RS384", TestKeys.pem(TestKeys.rsa()), null, Duration.ofSeconds(60), Duration.ofSeconds(5), Clock.systemUTC(), JSON);
        EhrException e = assertThrows(EhrException.class, auth::authorization);
        assertEquals(EhrException.Reason.AUTH, e.reason());
        assertEquals(400, e.status());
    }

    @Test
    void withoutATokenTheProtectedEhrRefuses() {
        IGenericClient client = client(() -> null);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> client.search().forResource(Patient.class).returnBundle(Bundle.class).execute());
        assertTrue(EhrException.of(e).reason() == EhrException.Reason.AUTH);
    }

    private static IGenericClient client(EhrAuth auth) {
        FhirContext ctx = FhirContext.forR4Cached();
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient client = ctx.newRestfulGenericClient(server.smartBaseUrl());
        client.registerInterceptor(new AuthInterceptor(auth));
        return client;
    }
}
