package org.e2guard.security;

import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirResponses;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/** Bearer API keys on the endpoints that carry patient data ($evaluate and the admin API). */
public class ApiKeyFilter {
    @Inject
    ApiKeys keys;
    @Inject
    FhirResponses responses;

    /** Paths that carry patient data; discovery, metadata and health stay open. */
    static boolean protectedPath(String path) {
        return (path.startsWith("/fhir/") && !path.equals("/fhir/metadata")) || path.startsWith("/admin/");
    }

    @ServerRequestFilter(preMatching = true)
    public Response filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!protectedPath(path) || keys.anonymousAllowed()
                || keys.accepts(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return null;
        }
        FhirFormat format = FhirFormat.negotiate(null, request.getHeaderString(HttpHeaders.ACCEPT), FhirFormat.JSON);
        Response r = responses.error(new FhirError(401, OperationOutcome.IssueType.LOGIN,
                "Authentication required: send Authorization: Bearer <api key>", null),
                format == null ? FhirFormat.JSON : format);
        return Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"e2guard\"").build();
    }
}
