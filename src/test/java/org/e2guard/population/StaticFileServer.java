package org.e2guard.population;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.net.httpserver.HttpServer;

/**
 * Serves a directory's files over HTTP on loopback (the JDK's own server): the NDJSON a dry run
 * fetches, in tests and in demo/population.sh. {@code main(port, dir)} runs until killed.
 */
public final class StaticFileServer {
    private StaticFileServer() {
    }

    public static HttpServer start(Path root, int port) throws IOException {
        Path dir = root.toAbsolutePath().normalize();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", exchange -> {
            Path file = dir.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+ndjson");
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            }
        });
        server.start();
        return server;
    }

    public static void main(String[] args) throws IOException {
        HttpServer s = start(Path.of(args[1]), Integer.parseInt(args[0]));
        System.out.println("serving " + args[1] + " on http://127.0.0.1:" + s.getAddress().getPort() + "/");
    }
}
