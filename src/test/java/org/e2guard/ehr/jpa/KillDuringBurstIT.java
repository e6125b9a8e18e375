package org.e2guard.ehr.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import org.e2guard.subscription.Fixtures;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;

/**
 * {@code kill -9} during a burst, against the real EHR (HAPI FHIR's JPA server, {@code test-ehr/}):
 * the packaged e2guard (target/quarkus-app, as deployed, with the embedded store) is notified of a
 * burst of patients, killed with SIGKILL once some of their findings are written back and others
 * are not, and started again on the same data directory. It must come up at the first try and,
 * in the end, every patient must have exactly its one DetectedIssue and one Flag in the EHR (found
 * by patient, so a duplicate or a loss shows as a count other than one), each version with its
 * Provenance. Notifications the EHR tried to deliver while e2guard was down are recovered by the
 * catch-up sync every start runs.
 */
class KillDuringBurstIT {
    static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar");
    static final int PATIENTS = 60;
    static final int FILERS = 4;
    static final String SECRET = "kill-it-secret";
    static final String KEY = "it-key";
    static final Duration WAIT = Duration.ofSeconds(150);

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;
    /** The two runs' output, kept for a look after a failure. */
    final Path logs = Path.of("target", "kill-during-burst");

    @Test
    void killMinus9DuringABurstLosesAndDuplicatesNothingAndTheRestartSucceedsAtTheFirstTry() throws Exception {
        assertTrue(Files.exists(APP), "package the application first (mvn verify does)");
        HapiJpaEhrProcess ehrProcess = HapiJpaEhrProcess.shared();
        FhirContext ctx = FhirContext.forR4Cached();
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient ehr = ctx.newRestfulGenericClient(ehrProcess.baseUrl());
        int port = freePort();
        String base = "http://127.0.0.1:" + port;

        Process first = start(port, ehrProcess.baseUrl(), "first.log");
        try {
            await("e2guard's Subscriptions active in the EHR", () -> activeSubscriptions(ehr) >= 1);
            ExecutorService filers = Executors.newFixedThreadPool(FILERS);
            List<Future<?>> filed = new ArrayList<>();
            for (int i = 0; i < PATIENTS; i++) {
                String pid = "kill" + i;
                filed.add(filers.submit(() -> file(ehr, pid)));
            }
            await("the first write-backs", () -> flagsInEhr(ehr) >= 3);
            first.destroyForcibly(); // SIGKILL: no shutdown hook, the embedded PostgreSQL is orphaned
            first.waitFor();
            int atKill = flagsInEhr(ehr);
            assertTrue(atKill < PATIENTS, "killed during the burst: " + atKill + " of " + PATIENTS + " written");
            for (Future<?> f : filed) {
                f.get(); // the EHR takes the rest of the burst while e2guard is down
            }
            filers.shutdown();
        } finally {
            first.destroyForcibly();
        }

        Process second = start(port, ehrProcess.baseUrl(), "second.log");
        try {
            assertTrue(second.isAlive(), "the restart came up at the first try");
            await("every patient written back", () -> flagsInEhr(ehr) >= PATIENTS && outboxEmpty(base));

            for (int i = 0; i < PATIENTS; i++) {
                String pid = "kill" + i;
                List<DetectedIssue> issues = search(ehr, DetectedIssue.class, "patient", pid);
                List<Flag> flags = search(ehr, Flag.class, "subject", pid);
                assertEquals(1, issues.size(), pid + ": exactly one DetectedIssue");
                assertEquals(1, flags.size(), pid + ": exactly one Flag");
                for (Resource r : List.of(issues.get(0), flags.get(0))) {
                    // searched by the versioned reference, as RealEhrRoundTripTest does: HAPI strips the
                    // version from references it returns, so the Provenance's own target cannot be compared
                    String versioned = r.fhirType() + "/" + r.getIdElement().getIdPart() + "/_history/"
                            + r.getMeta().getVersionId();
                    assertTrue(!search(ehr, Provenance.class, "target", versioned).isEmpty(), "a Provenance for " + versioned);
                }
            }
            // and no write of e2guard's went to another patient's identifier twice
            Set<String> identifiers = new HashSet<>();
            for (Flag f : search(ehr, Flag.class, null, null)) {
                for (Identifier id : f.getIdentifier()) {
                    assertTrue(identifiers.add(id.getSystem() + "|" + id.getValue()), "one Flag per identifier");
                }
            }
            assertTrue(second.isAlive(), "still running");
        } finally {
            second.destroy();
            second.waitFor();
        }
    }

    /** The packaged service, prod profile, embedded store in the test's directory, pointed at the EHR. */
    private Process start(int port, String ehrBase, String log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.datasource.jdbc.url=jdbc:e2guard-embedded:" + dir.resolve("data"),
                "-Dquarkus.log.console.json.enabled=false",
                "-De2guard.security.api-keys=" + KEY,
                "-De2guard.subscription.public-url=http://127.0.0.1:" + port,
                "-De2guard.subscription.tick=1s",
                "-De2guard.subscription.debounce=200ms",
                "-De2guard.writeback.poll-interval=100ms",
                // the killed replica's rows come back one lease after its last heartbeat
                "-De2guard.writeback.lease=5s",
                "-De2guard.ehr.hapi.base-url=" + ehrBase,
                "-De2guard.ehr.hapi.push.secret=" + SECRET,
                "-De2guard.ehr.hapi.sync.interval=1h",
                "-jar", APP.toAbsolutePath().toString()));
        Files.createDirectories(logs);
        Process app = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(logs.resolve(log).toFile()).start();
        String started = "http://127.0.0.1:" + port + "/q/health/started";
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            if (!app.isAlive()) {
                throw new AssertionError("e2guard exited with " + app.exitValue() + ":\n" + Files.readString(logs.resolve(log)));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(started)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return app;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                app.destroyForcibly();
                throw new AssertionError("e2guard did not start within 120 s:\n" + Files.readString(logs.resolve(log)));
            }
            Thread.sleep(200);
        }
    }

    /** One patient's chart (estradiol 14 pg/mL on anastrozole: one finding) as one transaction. */
    private static void file(IGenericClient ehr, String pid) {
        ehr.transaction().withBundle(Fixtures.transaction(Fixtures.oneFinding(pid))).execute();
    }

    private static int activeSubscriptions(IGenericClient ehr) {
        return ehr.search().forResource(Subscription.class).where(new TokenClientParam("status").exactly().code("active"))
                .withAdditionalHeader("Cache-Control", "no-cache").returnBundle(Bundle.class).execute().getEntry().size();
    }

    private static int flagsInEhr(IGenericClient ehr) {
        return ehr.search().forResource(Flag.class).summaryMode(ca.uhn.fhir.rest.api.SummaryEnum.COUNT)
                .withAdditionalHeader("Cache-Control", "no-cache").returnBundle(Bundle.class).execute().getTotal();
    }

    private static <T extends Resource> List<T> search(IGenericClient ehr, Class<T> type, String param, String pid) {
        var query = ehr.search().forResource(type).count(1000).withAdditionalHeader("Cache-Control", "no-cache");
        if (param != null) {
            query = query.where(new ReferenceClientParam(param).hasId(pid.contains("/") ? pid : "Patient/" + pid));
        }
        Bundle found = query.returnBundle(Bundle.class).execute();
        assertTrue(found.getLink(Bundle.LINK_NEXT) == null, "one page");
        List<T> out = new ArrayList<>();
        found.getEntry().forEach(e -> out.add(type.cast(e.getResource())));
        return out;
    }

    /** No pending work and no dead letters in e2guard's outbox (its admin API). */
    private boolean outboxEmpty(String base) {
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/outbox?count=1"))
                    .header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200 && json.readTree(answer.body()).path("total").asLong(-1) == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
