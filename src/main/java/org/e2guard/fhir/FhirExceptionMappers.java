package org.e2guard.fhir;

import org.hl7.fhir.r4.model.OperationOutcome;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import jakarta.inject.Inject;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Every error a client can provoke becomes an OperationOutcome with the right status: never a
 * stack trace, never an HTML page. Unexpected failures are logged by class name only (their
 * messages may quote patient data) and answered with a 500 OperationOutcome.
 */
public class FhirExceptionMappers {
    private static final Logger LOG = Logger.getLogger(FhirExceptionMappers.class);

    @Inject
    FhirResponses responses;

    @ServerExceptionMapper
    public Response fhirError(FhirError e, HttpHeaders headers) {
        return responses.error(e, formatOf(headers));
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e, HttpHeaders headers) {
        return responses.error(new FhirError(415, OperationOutcome.IssueType.NOTSUPPORTED,
                "Unsupported media type; send application/fhir+json, application/json or application/fhir+xml", null),
                formatOf(headers));
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return responses.error(new FhirError(406, OperationOutcome.IssueType.NOTSUPPORTED,
                "None of the accepted media types can be produced; accept application/fhir+json or application/fhir+xml", null),
                FhirFormat.JSON);
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, HttpHeaders headers) {
        return responses.error(new FhirError(404, OperationOutcome.IssueType.NOTFOUND, "No such endpoint", null),
                formatOf(headers));
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, HttpHeaders headers) {
        Response r = responses.error(new FhirError(405, OperationOutcome.IssueType.NOTSUPPORTED,
                "Method not allowed on this endpoint", null), formatOf(headers));
        return Response.fromResponse(r).allow(e.getResponse().getAllowedMethods()).build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, HttpHeaders headers) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.errorf("request failed: %s", e.getClass().getName());
        }
        return responses.error(new FhirError(status, status >= 500 ? OperationOutcome.IssueType.EXCEPTION
                : OperationOutcome.IssueType.PROCESSING, e.getResponse().getStatusInfo().getReasonPhrase(), null),
                formatOf(headers));
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, HttpHeaders headers) {
        StackTraceElement top = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
        LOG.errorf("unexpected failure: %s at %s", e.getClass().getName(), top);
        return responses.error(new FhirError(500, OperationOutcome.IssueType.EXCEPTION,
                "Internal error; the request was not processed", null), formatOf(headers));
    }

    private static FhirFormat formatOf(HttpHeaders headers) {
        FhirFormat f = FhirFormat.negotiate(null, headers.getHeaderString(HttpHeaders.ACCEPT),
                FhirFormat.of(headers.getHeaderString(HttpHeaders.CONTENT_TYPE)));
        return f == null ? FhirFormat.JSON : f;
    }
}
