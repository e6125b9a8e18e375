package org.e2guard.ehr.jpa;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The real EHR of the tests: HAPI FHIR's JPA server ({@code test-ehr/}, built by the pom into
 * {@code target/test-ehr}) in a JVM of its own, started once per test JVM and shared by every test
 * class that uses it (it takes 15 to 90 s to start on a loaded machine). Its own JVM, because Spring,
 * Hibernate 6 and H2 next to Quarkus in one JVM clash. It stops when the test JVM ends: a shutdown
 * hook destroys it, and it exits by itself when its standard input (held by this JVM) closes, which
 * covers a test JVM that is killed. Its output goes to {@code target/test-ehr/ehr.log}.
 */
public final class HapiJpaEhrProcess {
    static final String READY = "HAPI-JPA-EHR READY ";
    private static final long START_TIMEOUT_SECONDS = 300;
    private static HapiJpaEhrProcess shared;

    private final Process process;
    private final int port;

    private HapiJpaEhrProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The one server of this JVM, started on first use. */
    public static synchronized HapiJpaEhrProcess shared() {
        if (shared == null || !shared.process.isAlive()) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared.process::destroy, "test-ehr-stop"));
        }
        return shared;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/fhir";
    }

    private static HapiJpaEhrProcess start() {
        Path dir = Path.of("target", "test-ehr");
        Path classpath = dir.resolve("classpath.txt");
        if (!Files.isRegularFile(classpath)) {
            throw new IllegalStateException(classpath + " is missing: the pom builds test-ehr/ in process-test-classes"
                    + " (run ./mvnw test-compile exec:exec@test-ehr, or any ./mvnw test)");
        }
        try {
            String cp = dir.resolve("classes") + java.io.File.pathSeparator + Files.readString(classpath).strip();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xmx768m", "-XX:+UseSerialGC", "-cp", cp, "org.e2guard.testehr.HapiJpaEhr", "0")
                    .redirectErrorStream(true).start();
            CompletableFuture<Integer> ready = new CompletableFuture<>();
            Thread pump = new Thread(() -> pump(p, dir.resolve("ehr.log"), ready), "test-ehr-output");
            pump.setDaemon(true);
            pump.start();
            try {
                return new HapiJpaEhrProcess(p, ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
                p.destroyForcibly();
                throw new IllegalStateException("the HAPI FHIR JPA server did not start within " + START_TIMEOUT_SECONDS
                        + " s; see target/test-ehr/ehr.log", e);
            }
        } catch (IOException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the HAPI FHIR JPA server did not start; see target/test-ehr/ehr.log", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void pump(Process p, Path log, CompletableFuture<Integer> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                if (line.startsWith(READY)) {
                    ready.complete(Integer.parseInt(line.substring(READY.length()).strip()));
                }
            }
            ready.completeExceptionally(new IllegalStateException("the HAPI FHIR JPA server exited with " + p.waitFor()));
        } catch (IOException | InterruptedException e) {
            ready.completeExceptionally(e);
        }
    }
}
