package org.e2guard.ehr.testserver;

import java.io.IOException;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.Map;

import org.e2guard.ehr.auth.TestKeys;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts the test EHR before Quarkus and points e2guard at it: EHR {@code main} (no auth, push on)
 * at {@code /fhir}, EHR {@code smart} (SMART Backend Services with an RS384 key registered at the
 * test token endpoint, push off) at {@code /smart/fhir}. Quarkus listens on a free port chosen
 * here, so that the Subscriptions can name e2guard's notification URL before it starts. Timings
 * are shortened so that retries, back-off and the breaker play out within seconds.
 *
 * <p>This in-memory stand-in stays for what the real EHR of the tests (HAPI FHIR's JPA server,
 * {@code org.e2guard.ehr.jpa}) cannot be made to do on demand: go down and come back, drop
 * deliveries, count requests, and serve a SMART token endpoint. The round trips themselves run
 * against the real server ({@code RealEhr*Test}).
 */
public class EhrTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String SECRET = "test-notification-secret";
    public static final String SMART_CLIENT = "e2guard-test";

    private MemoryFhirServer server;

    @Override
    public Map<String, String> start() {
        server = MemoryFhirServer.start(0);
        KeyPair keys = TestKeys.rsa();
        server.registerSmartClient(SMART_CLIENT, keys.getPublic());
        int port = freePort();
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.http.test-port", Integer.toString(port));
        // the embedded PostgreSQL starts on the first connection; on a loaded machine that can take a while
        config.put("quarkus.datasource.jdbc.acquisition-timeout", "60s");
        config.put("e2guard.test.ehr-port", Integer.toString(server.port()));
        config.put("e2guard.subscription.public-url", "http://localhost:" + port);
        config.put("e2guard.subscription.tick", "1s");
        config.put("e2guard.subscription.debounce", "200ms");
        config.put("e2guard.writeback.poll-interval", "100ms");
        config.put("e2guard.writeback.lease", "3s");
        config.put("e2guard.writeback.backoff-initial", "200ms");
        config.put("e2guard.writeback.backoff-max", "1s");
        config.put("e2guard.writeback.max-attempts", "4");
        config.put("e2guard.writeback.breaker-failure-threshold", "3");
        config.put("e2guard.writeback.breaker-open-duration", "1s");
        config.put("e2guard.writeback.metrics-cache-time", "100ms");
        config.put("e2guard.ehr.main.base-url", server.baseUrl());
        config.put("e2guard.ehr.main.push.secret", SECRET);
        config.put("e2guard.ehr.main.sync.interval", "1h");
        config.put("e2guard.ehr.main.page-size", "20");
        config.put("e2guard.ehr.smart.base-url", server.smartBaseUrl());
        config.put("e2guard.ehr.smart.auth.type", "smart-backend");
        config.put("e2guard.ehr.smart.auth.client-id", SMART_CLIENT);
        config.put("e2guard.ehr.smart.auth.key-id", "test-key-1");
        config.put("e2guard.ehr.smart.auth.algorithm", "RS384");
        config.put("e2guard.ehr.smart.auth.private-key", TestKeys.pem(keys));
        config.put("e2guard.ehr.smart.push.enabled", "false");
        config.put("e2guard.ehr.smart.sync.interval", "1h");
        return config;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
