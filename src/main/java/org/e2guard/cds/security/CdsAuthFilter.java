package org.e2guard.cds.security;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.cds.config.CdsConfig;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirResponses;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Every /cds-services call (discovery, services, feedback) must carry a JWT the EHR signed.
 * Refusals are a bare 401: the caller learns nothing about why; the service's log says why
 * (never with the token). When the shared replay table cannot be reached the call is a 503
 * OperationOutcome rather than served unchecked. The filter runs after routing, on the request's worker thread, since a
 * JWK Set may have to be fetched.
 */
public class CdsAuthFilter {
    private static final Logger LOG = Logger.getLogger(CdsAuthFilter.class);
    static final String PREFIX = "/cds-services";

    @Inject
    CdsJwtVerifier verifier;
    @Inject
    CdsConfig config;
    @Inject
    VerifiedClient client;
    @Inject
    FhirResponses responses;

    @ServerRequestFilter
    public Response filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!(path.equals(PREFIX) || path.startsWith(PREFIX + "/")) || !config.security().enforce()) {
            return null;
        }
        List<String> audiences = audiences(request.getUriInfo().getRequestUri(), path);
        try {
            CdsJwtVerifier.Verified v = verifier.verify(request.getHeaderString(HttpHeaders.AUTHORIZATION), audiences);
            client.set(v.issuer(), v.tenant());
            return null;
        } catch (CdsJwtVerifier.Refused e) {
            LOG.warnf("CDS Hooks call to %s refused with 401: %s", path, e.getMessage());
            return Response.status(Response.Status.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"e2guard-cds\"").build();
        } catch (ReplayStore.Unavailable e) {
            // without the shared jti table a replay cannot be told from a first use: fail closed
            LOG.warnf("CDS Hooks call to %s answered 503: %s", path, e.getMessage());
            return responses.error(new FhirError(503, OperationOutcome.IssueType.TRANSIENT,
                    "e2guard cannot check the token against replay right now; retry later", null), FhirFormat.JSON);
        }
    }

    /**
     * The URL called, as the EHR sees it: the configured public base URL (behind a proxy) or the
     * request's own scheme and authority, plus the path. Feedback also accepts the URL of its
     * service, since the specification words {@code aud} as "the CDS Service endpoint".
     */
    List<String> audiences(URI requestUri, String path) {
        String base = config.publicBaseUrl()
                .orElseGet(() -> requestUri.getScheme() + "://" + requestUri.getRawAuthority());
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        List<String> out = new ArrayList<>(2);
        out.add(base + p);
        if (p.endsWith("/feedback")) {
            out.add(base + p.substring(0, p.length() - "/feedback".length()));
        }
        return out;
    }
}
