package org.e2guard.fhir;

import org.hl7.fhir.instance.model.api.IBaseResource;

import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

/** Renders FHIR resources as HTTP responses in the negotiated format. */
@ApplicationScoped
public class FhirResponses {
    @Inject
    FhirContext ctx;

    public Response ok(IBaseResource resource, FhirFormat format, boolean pretty) {
        return respond(200, resource, format, pretty);
    }

    public Response respond(int status, IBaseResource resource, FhirFormat format, boolean pretty) {
        FhirFormat f = format == null ? FhirFormat.JSON : format;
        String body = f.parser(ctx).setPrettyPrint(pretty).encodeResourceToString(resource);
        return Response.status(status).type(f.contentType()).entity(body).build();
    }

    public Response error(FhirError e, FhirFormat format) {
        return respond(e.status(), e.outcome(), format, true);
    }
}
