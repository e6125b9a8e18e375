package org.e2guard.operations;

import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirResponses;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.CapabilityStatement;

import ca.uhn.fhir.context.FhirContext;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** {@code GET /fhir/metadata}: the CapabilityStatement published in {@code fhir-profiles/}. */
@Path("/fhir/metadata")
@Singleton
public class MetadataResource {
    static final String RESOURCE = "fhir-profiles/CapabilityStatement-e2guard.json";

    @Inject
    FhirContext ctx;
    @Inject
    FhirResponses responses;
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
    String softwareVersion;

    private CapabilityStatement published;

    @PostConstruct
    void load() {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + RESOURCE);
            }
            published = ctx.newJsonParser().parseResource(CapabilityStatement.class,
                    new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @GET
    public Response metadata(@HeaderParam(HttpHeaders.ACCEPT) String accept, @QueryParam("_format") String format,
                             @Context UriInfo uri) {
        CapabilityStatement cs = published.copy();
        cs.getImplementation().setUrl(uri.getBaseUri().resolve("fhir").toString());
        // the running build, as the e2guard Device reports it
        cs.getSoftware().setVersion(softwareVersion);
        FhirFormat out = FhirFormat.negotiate(format, accept, FhirFormat.JSON);
        if (out == null) {
            out = FhirFormat.JSON;
        }
        return responses.ok(cs, out, true);
    }
}
