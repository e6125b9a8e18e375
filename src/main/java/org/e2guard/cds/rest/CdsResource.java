package org.e2guard.cds.rest;

import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.e2guard.cds.api.CdsResponse;
import org.e2guard.cds.api.DiscoveryResponse;
import org.e2guard.cds.config.CdsConfig;
import org.e2guard.cds.security.VerifiedClient;
import org.e2guard.cds.service.CdsCatalog;
import org.e2guard.cds.service.CdsService;
import org.e2guard.cds.service.FeedbackService;
import org.e2guard.cds.service.HookService;
import org.e2guard.cds.service.PatientDataCollector;
import org.e2guard.fhir.FhirError;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hl7.fhir.r4.model.OperationOutcome;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The CDS Hooks 2.0 endpoints: discovery, one service per hook, and feedback. Errors are FHIR
 * OperationOutcomes with the status the specification asks for (400 malformed, 404 unknown
 * service, 412 data neither prefetched nor readable, 413 too large).
 */
@Path("/cds-services")
public class CdsResource {

    @Inject
    CdsCatalog catalog;
    @Inject
    HookService hooks;
    @Inject
    FeedbackService feedback;
    @Inject
    CdsConfig config;
    @Inject
    MeterRegistry metrics;
    @Inject
    VerifiedClient client;

    private DiscoveryResponse discovery;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "CDS Hooks discovery: the services e2guard offers and the data they prefetch")
    public DiscoveryResponse discovery() {
        if (discovery == null) {
            discovery = new DiscoveryResponse(catalog.services().stream().map(CdsService::descriptor).toList());
        }
        return discovery;
    }

    @POST
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Call a CDS service (patient-view, order-select, order-sign): cards for the patient")
    public CdsResponse call(@PathParam("id") String id, @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long length,
                            InputStream body) {
        CdsService service = service(id);
        Timer.Sample sample = Timer.start(metrics);
        try {
            return hooks.call(service, CdsBody.read(body, length, config.maxBodySize().asLongValue()));
        } catch (PatientDataCollector.PreconditionFailed e) {
            throw new FhirError(412, OperationOutcome.IssueType.PROCESSING, e.getMessage(), "prefetch");
        } finally {
            sample.stop(timer(service.hook().code()));
        }
    }

    @POST
    @Path("{id}/feedback")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "CDS Hooks feedback: cards accepted or overridden")
    public Response feedback(@PathParam("id") String id, @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long length,
                             InputStream body) {
        CdsService service = service(id);
        feedback.receive(service, CdsBody.read(body, length, config.maxBodySize().asLongValue()), client);
        return Response.ok().build();
    }

    private CdsService service(String id) {
        return catalog.service(id).orElseThrow(() -> new FhirError(404, OperationOutcome.IssueType.NOTFOUND,
                "No CDS service '" + id + "'; GET /cds-services lists them", null));
    }

    private Timer timer(String hook) {
        return timers.computeIfAbsent(hook, h -> Timer.builder("e2guard.cds.request")
                .description("CDS Hooks service calls, from request to cards")
                .tag("hook", h)
                .publishPercentileHistogram()
                .register(metrics));
    }
}
