package org.e2guard.testing;

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
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Replicas of the packaged service (target/quarkus-app, built by {@code mvn verify} before the
 * integration tests) on one PostgreSQL database, as a Kubernetes Deployment runs them behind a
 * Service: for tests of what replicas must share. Each replica is a JVM of its own on a loopback
 * port, with its log in its own directory.
 */
public final class PackagedReplicas implements AutoCloseable {
    static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path dir;
    private final EmbeddedPostgres db;
    private final List<Process> processes = new ArrayList<>();

    private PackagedReplicas(Path dir, EmbeddedPostgres db) {
        this.dir = dir;
        this.db = db;
    }

    /** Starts the shared database; replicas are added by {@link #start}. */
    public static PackagedReplicas on(Path dir) throws IOException {
        assertTrue(Files.exists(APP), "package the application first (mvn verify does)");
        return new PackagedReplicas(dir, EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg"))
                .setCleanDataDirectory(true).start());
    }

    /** A running replica: its base URL, and its process to kill. */
    public record Replica(String base, Process process) {
        /** Kills the replica as a node failure or an OOM kill would: no shutdown hooks. */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /**
     * Starts a replica with the given system properties (-Dkey=value) on top of the shared
     * database and an API key {@code it-key}, and waits until it is ready: one after the other, so
     * the second starts on a database the first has migrated.
     */
    public Replica start(String name, String... properties) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-Dquarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:" + db.getPort() + "/postgres",
                "-Dquarkus.datasource.username=postgres", "-Dquarkus.datasource.password=postgres",
                "-De2guard.security.api-keys=it-key", "-De2guard.validation.warm-up=false"));
        Stream.of(properties).map(p -> "-D" + p).forEach(command::add);
        command.addAll(List.of("-jar", APP.toAbsolutePath().toString()));
        Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve("out.log").toFile()).start();
        processes.add(p);
        String base = "http://127.0.0.1:" + port;
        awaitReady(base, p, home);
        return new Replica(base, p);
    }

    private static void awaitReady(String base, Process app, Path home) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                if (!app.isAlive()) {
                    throw new AssertionError("replica exited:\n" + Files.readString(home.resolve("out.log")));
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(base + " not ready within 120 s:\n" + Files.readString(home.resolve("out.log")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (Process p : processes) {
            p.waitFor();
        }
        db.close();
    }
}
