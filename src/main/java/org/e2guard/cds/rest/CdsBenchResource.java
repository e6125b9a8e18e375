package org.e2guard.cds.rest;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.e2guard.cds.config.CdsConfig;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Benchmark-only: the framework's own cost for a hook-sized exchange. Reads the body like the
 * real service does and answers with a JSON document of the requested size, so that
 * {@code bench/cds-load.sh} can put the real hook beside it. Exists only when
 * {@code e2guard.cds.benchmark-endpoint=true}; 404 otherwise.
 */
@Path("/bench/cds-bare")
public class CdsBenchResource {
    private static final int MAX = 1 << 20;

    @Inject
    CdsConfig config;

    private final Map<Integer, byte[]> bodies = new ConcurrentHashMap<>();

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response bare(@QueryParam("size") int size, InputStream body) {
        if (!config.benchmarkEndpoint()) {
            throw new NotFoundException();
        }
        byte[] read = CdsBody.read(body, null, config.maxBodySize().asLongValue());
        int n = Math.max(16, Math.min(size, MAX));
        byte[] out = bodies.computeIfAbsent(n, CdsBenchResource::document);
        return Response.ok(out).header("X-Request-Bytes", read.length).build();
    }

    /** {"cards":[],"padding":"xxx..."} of exactly n bytes. */
    static byte[] document(int n) {
        String head = "{\"cards\":[],\"padding\":\"";
        String tail = "\"}";
        int pad = Math.max(0, n - head.length() - tail.length());
        return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.UTF_8);
    }
}
