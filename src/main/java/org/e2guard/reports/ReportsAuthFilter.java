package org.e2guard.reports;

import java.net.URI;

import org.e2guard.security.ApiKeys;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The reports show patient data: the same API key as {@code $evaluate} (as a bearer header, for
 * scripts), or a session opened with it at {@code /reports/login} (for browsers, which are sent
 * there when they have none).
 */
public class ReportsAuthFilter {
    @Inject
    ApiKeys keys;
    @Inject
    ReportSessions sessions;

    @ServerRequestFilter(preMatching = true)
    public Response filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/reports/") || path.equals("/reports/login") || keys.anonymousAllowed()
                || keys.accepts(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return null;
        }
        Cookie c = request.getCookies().get(ReportSessions.COOKIE);
        if (sessions.valid(c == null ? null : c.getValue())) {
            return null;
        }
        if ("GET".equals(request.getMethod())) {
            // back to the same page after signing in, its query (a report's period) included
            String query = request.getUriInfo().getRequestUri().getRawQuery();
            String back = query == null ? path : path + "?" + query;
            return Response.seeOther(URI.create("/reports/login?next=" + java.net.URLEncoder.encode(back,
                    java.nio.charset.StandardCharsets.UTF_8))).build();
        }
        return Response.status(401).type(MediaType.TEXT_PLAIN).entity("Authentication required").build();
    }
}
