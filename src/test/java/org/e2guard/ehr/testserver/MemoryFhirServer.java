package org.e2guard.ehr.testserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A FHIR R4 server standing in for the EHR: HAPI FHIR's plain RestfulServer on Jetty, with
 * {@link StoreProvider}s over a {@link MemoryStore} (conditional create/update, searches, paging,
 * deletes, versions), rest-hook subscription delivery, and a second base ({@code /smart/fhir})
 * protected by SMART Backend Services tokens from {@code /smart/token}.
 *
 * <p>Control endpoints (for tests, the benchmark and the demo, over HTTP so that they work from
 * any class loader): {@code POST /control/down?on=true|false} makes every FHIR and token request
 * answer 503, {@code POST /control/delivery?on=...} switches subscription delivery,
 * {@code POST /control/token-expiry?seconds=N}, {@code POST /control/load[?base=smart][&notify=false]} loads a
 * Bundle (body) into the main (or SMART) store, {@code GET /control/stats} returns counters as JSON.
 *
 * <p>Run it alone: {@code java -cp <test classpath> org.e2guard.ehr.testserver.MemoryFhirServer [port] [bundle.json ...]}.
 */
public final class MemoryFhirServer implements AutoCloseable {
    static final List<Class<? extends IBaseResource>> TYPES = List.of(Patient.class, Observation.class,
            MedicationStatement.class, MedicationRequest.class, MedicationAdministration.class, Medication.class,
            Condition.class, DiagnosticReport.class, Procedure.class, DetectedIssue.class, Flag.class, Device.class, Provenance.class,
            Subscription.class);

    private final FhirContext ctx = FhirContext.forR4();
    private final MemoryStore store = new MemoryStore(ctx);
    private final MemoryStore smartStore = new MemoryStore(ctx);
    private final SubscriptionDelivery delivery;
    private final SmartAuthorization smart = new SmartAuthorization();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong writeRequests = new AtomicLong();
    /** Time spent serving FHIR requests, summed over concurrent requests. */
    private final AtomicLong busyNanos = new AtomicLong();
    private volatile boolean down;
    private final Server jetty;
    private final int port;

    private MemoryFhirServer(int requestedPort) throws Exception {
        ctx.getParserOptions().setOverrideResourceIdWithBundleEntryFullUrl(false);
        // keep Provenance.target's version-specific references, as a server recording provenance must
        ctx.getParserOptions().setStripVersionsFromReferences(false);
        delivery = new SubscriptionDelivery(store, FhirContext.forR4());
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setPort(requestedPort);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        context.setContextPath("/");
        context.addServlet(new ServletHolder(fhirServlet(store)), "/fhir/*");
        context.addServlet(new ServletHolder(fhirServlet(smartStore)), "/smart/fhir/*");
        context.addServlet(new ServletHolder(smart.configuration("http://{host}/smart/token")),
                "/smart/fhir/.well-known/smart-configuration");
        context.addServlet(new ServletHolder(smart.tokenEndpoint()), "/smart/token");
        context.addServlet(new ServletHolder(control()), "/control/*");
        context.addFilter(new FilterHolder(gate()), "/*", EnumSet.of(DispatcherType.REQUEST));
        jetty.setHandler(context);
        jetty.start();
        port = connector.getLocalPort();
    }

    public static MemoryFhirServer start(int port) {
        try {
            return new MemoryFhirServer(port);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test FHIR server", e);
        }
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://localhost:" + port + "/fhir";
    }

    public String smartBaseUrl() {
        return "http://localhost:" + port + "/smart/fhir";
    }

    public MemoryStore store() {
        return store;
    }

    public SmartAuthorization smart() {
        return smart;
    }

    public void registerSmartClient(String clientId, PublicKey key) {
        smart.register(clientId, key);
    }

    private RestfulServer fhirServlet(MemoryStore data) {
        RestfulServer server = new RestfulServer(ctx);
        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        server.setPagingProvider(new FifoMemoryPagingProvider(1000).setDefaultPageSize(50).setMaximumPageSize(200));
        for (Class<? extends IBaseResource> type : TYPES) {
            IResourceProvider provider = new StoreProvider(data, ctx, type);
            server.registerProvider(provider);
        }
        server.registerProvider(new TransactionProvider(data, ctx));
        return server;
    }

    /** Outage switch, request counting, and the bearer check of the SMART-protected base. */
    private Filter gate() {
        return (request, response, chain) -> {
            HttpServletRequest req = (HttpServletRequest) request;
            HttpServletResponse resp = (HttpServletResponse) response;
            String path = req.getRequestURI();
            boolean fhir = path.startsWith("/fhir") || path.startsWith("/smart");
            if (fhir) {
                requests.incrementAndGet();
                if (!req.getMethod().equals("GET")) {
                    writeRequests.incrementAndGet();
                }
                if (down) {
                    resp.setStatus(503);
                    resp.setContentType("text/plain");
                    resp.getWriter().write("Service Unavailable");
                    return;
                }
                if (path.startsWith("/smart/fhir") && !path.contains("/.well-known/") && !path.endsWith("/metadata")
                        && !smart.accepts(req.getHeader("Authorization"))) {
                    resp.setStatus(401);
                    resp.setContentType("application/fhir+json");
                    resp.getWriter().write("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                            + "\"code\":\"login\",\"diagnostics\":\"bearer token required\"}]}");
                    return;
                }
            }
            long start = System.nanoTime();
            try {
                chain.doFilter(request, response);
            } finally {
                if (fhir) {
                    busyNanos.addAndGet(System.nanoTime() - start);
                }
            }
        };
    }

    private HttpServlet control() {
        return new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String what = req.getPathInfo() == null ? "" : req.getPathInfo();
                switch (what) {
                    case "/down" -> down = Boolean.parseBoolean(req.getParameter("on"));
                    case "/delivery" -> delivery.enabled(Boolean.parseBoolean(req.getParameter("on")));
                    case "/token-expiry" -> smart.expiresIn(Integer.parseInt(req.getParameter("seconds")));
                    case "/load" -> ("smart".equals(req.getParameter("base")) ? smartStore : store).load(ctx.newJsonParser().parseResource(Bundle.class,
                            new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8)),
                            !"false".equals(req.getParameter("notify")));
                    default -> {
                        resp.setStatus(404);
                        return;
                    }
                }
                stats(resp);
            }

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                stats(resp);
            }
        };
    }

    private void stats(HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json");
        resp.getWriter().write("{\"down\":" + down + ",\"requests\":" + requests.get() + ",\"writeRequests\":"
                + writeRequests.get() + ",\"storeWrites\":" + store.writes() + ",\"tokenCalls\":" + smart.tokenCalls()
                + ",\"tokensRefused\":" + smart.refused() + ",\"delivered\":" + delivery.delivered()
                + ",\"deliveryFailures\":" + delivery.failed() + ",\"busyMillis\":" + busyNanos.get() / 1_000_000 + "}");
    }

    @Override
    public void close() {
        delivery.close();
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Standalone: {@code MemoryFhirServer [port] [bundle.json ...]}; the bundles are loaded into /fhir. */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        MemoryFhirServer server = start(port);
        for (int i = 1; i < args.length; i++) {
            server.store.load(server.ctx.newJsonParser().parseResource(Bundle.class, Files.readString(Path.of(args[i]))), false);
        }
        System.out.println("Test EHR (in-memory HAPI FHIR plain server) at " + server.baseUrl());
        server.jetty.join();
    }
}
