package org.e2guard.population;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Resource;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real HTTP server on loopback serving a generated NDJSON population under {@code /bulk/}, and
 * an unlisted path {@code /private/}, started before Quarkus so that the allow-list can name it.
 */
public class BulkFileServer implements QuarkusTestResourceLifecycleManager {
    static final int PATIENTS = 40;
    static Path dir;
    static Map<String, List<Resource>> patients;
    static String base;
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("e2guard-bulk");
            patients = TestPopulation.write(dir.resolve("bulk"), PATIENTS, 23);
            Files.createDirectories(dir.resolve("private"));
            Files.copy(dir.resolve("bulk").resolve("Patient.ndjson"), dir.resolve("private").resolve("Patient.ndjson"));
            server = StaticFileServer.start(dir, 0);
            base = "http://127.0.0.1:" + server.getAddress().getPort();
            return Map.of("e2guard.population.allowed-urls", base + "/bulk/",
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
}
