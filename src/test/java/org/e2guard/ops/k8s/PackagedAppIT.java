package org.e2guard.ops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.e2guard.ops.config.DocumentedSettings;
import org.e2guard.testing.GoldenCases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The packaged service (target/quarkus-app, what the image runs) started with the environment
 * the prod overlay gives its container, as Kubernetes would: it becomes ready on the probes'
 * endpoints, logs JSON with the request id, accepts every documented Quarkus setting, and on
 * SIGTERM turns unready while still serving, then drains and exits within the grace period.
 */
class PackagedAppIT {
    static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar");
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The packaged service started as the prod overlay's container would run it, on a free loopback port. */
    record Started(Process app, String base, Manifests prod) {
    }

    Started start(Path dir) throws Exception {
        assertTrue(Files.exists(APP), "package the application first (mvn verify does)");
        Manifests prod = Manifests.render("k8s/overlays/prod");
        int port = freePort();

        Map<String, String> env = new TreeMap<>();
        prod.configMapData().fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        for (JsonNode e : prod.container().path("env")) {
            // values from Secrets: stand-ins (the store is the embedded PostgreSQL in a temp dir)
            String name = e.path("name").asText();
            env.put(name, e.has("value") ? e.path("value").asText() : switch (name) {
                case "QUARKUS_DATASOURCE_JDBC_URL" -> "jdbc:e2guard-embedded:" + dir.resolve("data");
                case "E2GUARD_SECURITY_API_KEYS" -> "it-key";
                default -> "it-" + name.toLowerCase();
            });
        }
        // the Secret e2guard-ehr-key, mounted as a file: a stand-in key in the temp dir
        if (env.containsKey("E2GUARD_EHR_MAIN_AUTH_PRIVATE_KEY_FILE")) {
            Path key = Files.createDirectories(dir.resolve("ehr")).resolve("private-key.pem");
            Files.writeString(key, org.e2guard.ehr.auth.TestKeys.pem(org.e2guard.ehr.auth.TestKeys.rsa()));
            env.put("E2GUARD_EHR_MAIN_AUTH_PRIVATE_KEY_FILE", key.toString());
        }
        // no EHR here: a closed loopback port refuses at once (the overlay's host is not reachable from a build)
        if (env.containsKey("E2GUARD_EHR_MAIN_BASE_URL")) {
            env.put("E2GUARD_EHR_MAIN_BASE_URL", "http://127.0.0.1:" + freePort() + "/fhir");
        }
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port)); // 8080 may be taken on a build machine
        // read by the image's run-java.sh, not by the JVM: translated into flags here
        int ratio = Integer.parseInt(env.remove("JAVA_MAX_MEM_RATIO"));

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + memoryLimit(prod) * ratio / 100 / (1024 * 1024) + "m", "-Dquarkus.http.host=127.0.0.1"));
        command.addAll(imageJvmFlags());
        command.addAll(documentedQuarkusSettings(env.keySet()));
        command.addAll(List.of("-jar", APP.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().putAll(env);
        Process app = pb.start();
        String base = "http://127.0.0.1:" + port;
        try {
            awaitStatus(base + "/q/health/started", 200, Duration.ofSeconds(120), app, dir);
        } catch (AssertionError | Exception e) {
            app.destroyForcibly();
            throw e;
        }
        return new Started(app, base, prod);
    }

    /** The container's memory limit in bytes ("768Mi"). */
    static long memoryLimit(Manifests prod) {
        String limit = prod.container().path("resources").path("limits").path("memory").asText();
        assertTrue(limit.endsWith("Mi") || limit.endsWith("Gi"), "memory limit " + limit);
        long n = Long.parseLong(limit.substring(0, limit.length() - 2));
        return n * 1024 * 1024 * (limit.endsWith("Gi") ? 1024 : 1);
    }

    /** The -XX flags the image gives the JVM (Dockerfile.jvm, JAVA_OPTS_APPEND). */
    static List<String> imageJvmFlags() throws IOException {
        String dockerfile = Files.readString(Path.of("src/main/docker/Dockerfile.jvm"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("ENV JAVA_OPTS_APPEND=\"([^\"]*)\"").matcher(dockerfile);
        assertTrue(m.find(), "JAVA_OPTS_APPEND in Dockerfile.jvm");
        List<String> flags = Stream.of(m.group(1).split("\\s+")).filter(f -> f.startsWith("-XX:")).toList();
        assertTrue(flags.stream().anyMatch(f -> f.startsWith("-XX:MaxMetaspaceSize=")), "metaspace bounded: " + flags);
        assertTrue(flags.stream().anyMatch(f -> f.startsWith("-XX:MaxDirectMemorySize=")), "direct memory bounded: " + flags);
        return flags;
    }

    /**
     * A whole patient's record of about 60 MB (more than Synthea's largest, 55 MB) posted to the
     * service under the prod overlay's memory limit, translated into the JVM flags the image
     * would use: evaluated, and the process's peak resident memory stays under the pod's limit.
     * The record is generated here (claims, explanations of benefit, encounters, as Synthea
     * writes them) since running Synthea would take minutes.
     */
    @Test
    void aWholeRecordIsEvaluatedWithinTheProdMemoryLimit(@TempDir Path dir) throws Exception {
        Started s = start(dir);
        try {
            Path body = dir.resolve("record.json");
            LargeRecord.write(body, 60_000_000);
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(s.base() + "/fhir/$evaluate?asOf=" + LargeRecord.goldenCase().asOf()))
                    .timeout(Duration.ofMinutes(5)).header("Authorization", "Bearer it-key")
                    .header("Content-Type", "application/fhir+json")
                    .POST(HttpRequest.BodyPublishers.ofFile(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("Claim resource(s) ignored"), "skipped types listed");
            // the golden case's findings, unchanged by the padding
            LargeRecord.goldenCase().assertFindings(GoldenCases.findingsOf(JSON.readTree(answer.body())));
            long peak = peakRss(s.app().pid());
            assertTrue(peak < memoryLimit(s.prod()), "peak RSS " + peak / (1024 * 1024) + " MiB under the pod limit of "
                    + memoryLimit(s.prod()) / (1024 * 1024) + " MiB");
            assertTrue(s.app().isAlive(), "still running");
        } finally {
            s.app().destroyForcibly();
        }
    }

    static long peakRss(long pid) throws IOException {
        String hwm = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                .findFirst().orElseThrow();
        return Long.parseLong(hwm.replaceAll("[^0-9]", "")) * 1024;
    }

    @Test
    void runsAsTheProdOverlayConfiguresItAndShutsDownGracefully(@TempDir Path dir) throws Exception {
        Started s = start(dir);
        Process app = s.app();
        Manifests prod = s.prod();
        try {
            String base = s.base();
            assertEquals(200, get(base + "/q/health/ready", Map.of()).statusCode(), "ready");
            assertEquals(200, get(base + "/q/health/live", Map.of()).statusCode(), "live");
            HttpResponse<String> metadata = get(base + "/fhir/metadata", Map.of("X-Request-Id", "it-42"));
            assertEquals("it-42", metadata.headers().firstValue("X-Request-Id").orElse(null));

            // SIGTERM, as the kubelet sends it
            long termAt = System.nanoTime();
            app.toHandle().destroy();
            awaitStatus(base + "/q/health/ready", 503, Duration.ofSeconds(3), app, dir);
            // ... and still serving while Kubernetes takes the pod out of the Service
            assertEquals(200, get(base + "/fhir/metadata", Map.of()).statusCode(), "serves during the shutdown delay");
            long graceSeconds = prod.deployment().path("spec").path("template").path("spec")
                    .path("terminationGracePeriodSeconds").asLong();
            assertTrue(app.waitFor(graceSeconds, java.util.concurrent.TimeUnit.SECONDS),
                    "exits within terminationGracePeriodSeconds (" + graceSeconds + " s)");
            long took = (System.nanoTime() - termAt) / 1_000_000;
            assertTrue(took >= 4000, "the 5 s shutdown delay was honoured, exit after " + took + " ms");
        } finally {
            app.destroyForcibly();
        }

        List<String> lines = Files.readAllLines(dir.resolve("out.log"));
        assertFalse(lines.isEmpty());
        boolean requestLine = false;
        for (String line : lines) {
            JsonNode record;
            try {
                record = JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("not a JSON log record (prod logs are JSON): " + line, e);
            }
            assertFalse(record.path("message").asText().contains("Unrecognized configuration key"),
                    "a documented setting the service does not know: " + record.path("message").asText());
            if ("org.e2guard.request".equals(record.path("loggerName").asText())
                    && "it-42".equals(record.path("mdc").path("requestId").asText())) {
                requestLine = true;
            }
        }
        assertTrue(requestLine, "a request log record with mdc.requestId");
        assertTrue(lines.stream().anyMatch(l -> l.contains("stopped in")), "a clean stop");
    }

    /**
     * Every Quarkus setting of docs/CONFIGURATION.md as a -D option with its documented default,
     * so that Quarkus names any it does not recognise. Left out: those the container's environment
     * sets (a system property would override it), and settings of extensions not in this build
     * (the datasource before the store is merged).
     */
    static List<String> documentedQuarkusSettings(java.util.Set<String> inEnvironment) throws IOException {
        boolean datasource;
        try (Stream<Path> libs = Files.list(Path.of("target/quarkus-app/lib/main"))) {
            datasource = libs.anyMatch(p -> p.getFileName().toString().startsWith("io.quarkus.quarkus-agroal-"));
        }
        List<String> out = new ArrayList<>();
        for (DocumentedSettings.Row row : DocumentedSettings.rows().values()) {
            String value = row.defaultValue().replaceAll("\\s*\\(.*\\)$", "").replace("`", "").trim();
            if (!row.key().startsWith("quarkus.") || value.equals("none") || value.isEmpty()
                    || inEnvironment.contains(row.env())
                    || row.key().equals("quarkus.http.port") || row.key().equals("quarkus.http.host")
                    || (!datasource && (row.key().startsWith("quarkus.datasource.") || row.key().startsWith("quarkus.flyway.")))) {
                continue;
            }
            out.add("-D" + row.key() + "=" + value);
        }
        assertTrue(out.size() >= 6, "documented Quarkus settings: " + out);
        return out;
    }

    HttpResponse<String> get(String url, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    void awaitStatus(String url, int status, Duration within, Process app, Path dir) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = get(url, Map.of()).statusCode();
                if (last == status) {
                    return;
                }
            } catch (IOException notYet) {
                if (!app.isAlive()) {
                    throw new AssertionError("the service exited:\n" + Files.readString(dir.resolve("out.log")));
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError(url + " did not answer " + status + " within " + within + " (last " + last + "):\n"
                + Files.readString(dir.resolve("out.log")));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
