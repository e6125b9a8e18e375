package org.e2guard.ehr.jpa;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points e2guard (EHR {@value #EHR}, push on, no auth) at the shared HAPI FHIR JPA server. The name
 * is not the stand-in EHR's {@code main}: the test JVM's embedded store outlives each Quarkus start,
 * and what e2guard remembers about one EHR (its Device id, what it wrote) must not meet another
 * server under the same name. e2guard's
 * port is chosen once per test JVM, so that every test class using this resource has the same public
 * URL and finds the Subscriptions the previous one registered. Timings are shortened as in the
 * stand-in EHR's resource, so that retries and back-off play out within seconds.
 */
public class HapiJpaEhrResource implements QuarkusTestResourceLifecycleManager {
    public static final String SECRET = "real-ehr-notification-secret";
    public static final String EHR = "hapi";
    private static int e2guardPort;

    @Override
    public Map<String, String> start() {
        HapiJpaEhrProcess ehr = HapiJpaEhrProcess.shared();
        int port = e2guardPort();
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.http.test-port", Integer.toString(port));
        config.put("quarkus.datasource.jdbc.acquisition-timeout", "60s");
        config.put("e2guard.test.real-ehr-base", ehr.baseUrl());
        config.put("e2guard.subscription.public-url", "http://127.0.0.1:" + port);
        config.put("e2guard.subscription.tick", "1s");
        config.put("e2guard.subscription.debounce", "200ms");
        config.put("e2guard.writeback.poll-interval", "100ms");
        config.put("e2guard.writeback.lease", "10s");
        config.put("e2guard.writeback.backoff-initial", "200ms");
        config.put("e2guard.writeback.backoff-max", "2s");
        config.put("e2guard.writeback.max-attempts", "4");
        config.put("e2guard.ehr." + EHR + ".base-url", ehr.baseUrl());
        config.put("e2guard.ehr." + EHR + ".push.secret", SECRET);
        config.put("e2guard.ehr." + EHR + ".sync.interval", "1h");
        // the population dry run's Bulk Data export: HAPI refuses Medication on a Group export
        // (HAPI-0512, outside the Patient compartment), and asks for polls every 120 s
        config.put("e2guard.population.export-types", "Patient,Observation,MedicationStatement,MedicationRequest,"
                + "MedicationAdministration,Condition,DiagnosticReport,Procedure");
        config.put("e2guard.population.export-max-retry-after", "1s");
        return config;
    }

    @Override
    public void stop() {
        // the server is shared by the test classes of this JVM; it stops with the JVM
    }

    private static synchronized int e2guardPort() {
        if (e2guardPort == 0) {
            try (ServerSocket s = new ServerSocket(0)) {
                e2guardPort = s.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return e2guardPort;
    }
}
