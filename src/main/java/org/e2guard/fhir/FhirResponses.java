package org.e2guard.fhir;

import org.hl7.fhir.instance.model.api.IBaseResource;

import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * Renders FHIR resources as HTTP responses in the negotiated format, written to the response as
 * they are encoded ({@link BundleEncoder}) rather than built as a String first.
 */
@ApplicationScoped
public class FhirResponses {
    private final BundleEncoder encoder;

    public FhirResponses(FhirContext ctx) {
        this.encoder = new BundleEncoder(ctx);
    }

    public Response ok(IBaseResource resource, FhirFormat format, boolean pretty) {
        return respond(200, resource, format, pretty);
    }

    public Response respond(int status, IBaseResource resource, FhirFormat format, boolean pretty) {
        FhirFormat f = format == null ? FhirFormat.JSON : format;
        StreamingOutput body = out -> encoder.write(resource, f, pretty, out);
        return Response.status(status).type(f.contentType()).entity(body).build();
    }

    public Response error(FhirError e, FhirFormat format) {
        return respond(e.status(), e.outcome(), format, true);
    }
}
