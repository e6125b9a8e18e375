package org.e2guard.population;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.hl7.fhir.r4.model.Resource;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * An EHR's Bulk Data export endpoint on loopback, scripted per Group id, for what a real server
 * cannot be made to do on demand: an export that never finishes (cancel, time-out), a manifest
 * with error files, a refusal, a file on another host. The real HAPI FHIR export is tested in
 * {@code RealEhrPopulationExportTest}. It wants e2guard's bearer token on every request, and
 * records the kick-offs and the {@code DELETE}s of status URLs.
 */
public class ScriptedExportEhr implements QuarkusTestResourceLifecycleManager {
    static final String EHR = "scripted";
    static final String TOKEN = "export-token";
    static final int PATIENTS = 10;
    static Map<String, List<Resource>> patients;
    static final List<String> kickOffs = new CopyOnWriteArrayList<>();
    static final Map<String, AtomicInteger> deletes = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    private HttpServer server;
    private Path files;
    private String base;

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("e2guard-export");
            files = dir.resolve("files");
            patients = TestPopulation.write(files, PATIENTS, 7);
            writeErrors(files);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/fhir/", this::handle);
            server.start();
            base = "http://127.0.0.1:" + server.getAddress().getPort() + "/fhir";
            return Map.of("e2guard.ehr." + EHR + ".base-url", base,
                    "e2guard.ehr." + EHR + ".auth.type", "bearer",
                    "e2guard.ehr." + EHR + ".auth.token", TOKEN,
                    "e2guard.ehr." + EHR + ".push.enabled", "false",
                    "e2guard.ehr." + EHR + ".sync.interval", "1000h",
                    "e2guard.population.export-timeout", "5s",
                    "e2guard.population.export-max-retry-after", "1s",
                    "e2guard.population.work-dir", dir.resolve("jobs").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath().substring("/fhir/".length());
        if (!("Bearer " + TOKEN).equals(x.getRequestHeaders().getFirst("Authorization"))) {
            send(x, 401, "application/fhir+json", outcome("login", "no token"), Map.of());
            return;
        }
        if (path.startsWith("Group/") && path.endsWith("/$export")) {
            String group = path.substring("Group/".length(), path.length() - "/$export".length());
            kickOffs.add(x.getRequestURI().getRawQuery() + " Prefer=" + x.getRequestHeaders().getFirst("Prefer")
                    + " Accept=" + x.getRequestHeaders().getFirst("Accept"));
            if (group.equals("refuse")) {
                send(x, 403, "application/fhir+json", outcome("forbidden", "not authorised to export this Group"), Map.of());
            } else {
                send(x, 202, null, "", Map.of("Content-Location", base + "/status/" + group));
            }
        } else if (path.startsWith("status/")) {
            status(x, path.substring("status/".length()));
        } else if (path.startsWith("files/")) {
            Path file = files.resolve(path.substring("files/".length())).normalize();
            if (!file.startsWith(files) || !Files.isRegularFile(file)) {
                send(x, 404, null, "", Map.of());
            } else {
                send(x, 200, "application/fhir+ndjson", Files.readString(file), Map.of());
            }
        } else {
            send(x, 404, "application/fhir+json", outcome("not-found", "not scripted"), Map.of());
        }
    }

    private void status(HttpExchange x, String group) throws IOException {
        if ("DELETE".equals(x.getRequestMethod())) {
            deletes.computeIfAbsent(group, k -> new AtomicInteger()).incrementAndGet();
            send(x, 202, null, "", Map.of());
            return;
        }
        int poll = polls.computeIfAbsent(group, k -> new AtomicInteger()).incrementAndGet();
        switch (group) {
            case "ok" -> {
                if (poll == 1) {
                    // Retry-After as an HTTP date, the form a client is likelier to get wrong
                    send(x, 202, null, "", Map.of("X-Progress", "in progress", "Retry-After",
                            DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(1))));
                } else {
                    send(x, 200, "application/json", manifest(outputs(base + "/files/"), "[]"), Map.of());
                }
            }
            case "broken" -> send(x, 200, "application/json", manifest(outputs(base + "/files/"),
                    "[{\"type\":\"OperationOutcome\",\"url\":\"" + base + "/files/errors.ndjson\"}]"), Map.of());
            case "offsite" -> send(x, 200, "application/json", manifest(outputs(
                    "http://localhost:" + server.getAddress().getPort() + "/fhir/files/"), "[]"), Map.of());
            case "empty" -> send(x, 200, "application/json", manifest("[]", "[]"), Map.of());
            case "fails" -> send(x, 500, "application/fhir+json", outcome("exception", "the export job failed"), Map.of());
            // slow-*: never done
            default -> send(x, 202, null, "", Map.of("Retry-After", "1"));
        }
    }

    private String outputs(String prefix) throws IOException {
        try (Stream<Path> list = Files.list(files)) {
            return list.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".ndjson") && !n.startsWith("errors"))
                    .sorted().map(n -> "{\"type\":\"" + n.replace(".ndjson", "") + "\",\"url\":\"" + prefix + n + "\"}")
                    .collect(Collectors.joining(",", "[", "]"));
        }
    }

    static void writeErrors(Path dir) throws IOException {
        Files.writeString(dir.resolve("errors.ndjson"), outcome("processing", "Observation/secret-obs-1 of Patient/secret-42"
                + " could not be read") + "\n");
    }

    private static String manifest(String output, String error) {
        return "{\"transactionTime\":\"2026-07-01T00:00:00Z\",\"request\":\"x\",\"requiresAccessToken\":true,\"output\":" + output
                + ",\"error\":" + error + "}";
    }

    private static String outcome(String code, String text) {
        return "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"" + code
                + "\",\"diagnostics\":\"" + text + "\"}]}";
    }

    private static void send(HttpExchange x, int status, String type, String body, Map<String, String> headers) throws IOException {
        headers.forEach((k, v) -> x.getResponseHeaders().add(k, v));
        if (type != null) {
            x.getResponseHeaders().add("Content-Type", type);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }
}
