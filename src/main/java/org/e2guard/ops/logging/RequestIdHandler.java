package org.e2guard.ops.logging;

import org.e2guard.ops.config.OpsConfig;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Context;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Gives every HTTP request an id before anything else handles it: the caller's
 * {@code X-Request-Id} / {@code X-Correlation-Id} if it looks like an id, else a new one. The id
 * goes into the logging MDC (so every log line of the request carries it, on the event loop and
 * on the worker thread alike: Quarkus keeps the MDC in the request's Vert.x context), and back
 * to the caller in the response header, so a support call can quote it.
 *
 * <p>When the request ends, one summary line is logged (unless {@code e2guard.ops.request-log}
 * is off): method, route template, status, duration. The route template, not the path, because
 * a path or query string is caller input and may carry anything.
 */
@ApplicationScoped
public class RequestIdHandler {
    /** A category of its own, so operators can silence or route the request log separately. */
    private static final Logger REQUESTS = Logger.getLogger("org.e2guard.request");
    /** Where Quarkus REST leaves the matched route template for observability (metrics, tracing). */
    private static final String URL_PATH_TEMPLATE = "UrlPathTemplate";

    private final boolean requestLog;

    public RequestIdHandler(OpsConfig config) {
        this.requestLog = config.requestLog();
    }

    void register(@Observes Router router) {
        // first of all handlers, so that even a request rejected early (401, 413) carries the id
        router.route().order(RouteConstants.ROUTE_ORDER_HEADERS).handler(this::handle);
    }

    void handle(RoutingContext ctx) {
        String callerCorrelation = ctx.request().getHeader(RequestId.CORRELATION_HEADER);
        String id = RequestId.accept(ctx.request().getHeader(RequestId.HEADER));
        if (id == null) {
            id = RequestId.accept(callerCorrelation);
        }
        if (id == null) {
            id = RequestId.generate();
        }
        String requestId = id;
        MDC.put(RequestId.MDC_KEY, requestId);
        ctx.put(RequestId.MDC_KEY, requestId);
        ctx.response().putHeader(RequestId.HEADER, requestId);
        if (callerCorrelation != null) {
            ctx.response().putHeader(RequestId.CORRELATION_HEADER, requestId);
        }
        String path = ctx.normalizedPath();
        if (requestLog && !path.startsWith("/q/")) {
            long start = System.nanoTime();
            ctx.addEndHandler(done -> REQUESTS.infof("%s %s -> %d in %d ms", ctx.request().method().name(),
                    routeOf(ctx), ctx.response().getStatusCode(), (System.nanoTime() - start) / 1_000_000));
        }
        ctx.next();
    }

    /** The matched route template (e.g. {@code /fhir/{operation}}), or "unmatched". */
    private static String routeOf(RoutingContext ctx) {
        if (ctx.request() instanceof HttpServerRequestInternal internal) {
            Context context = internal.context();
            if (context != null && context.getLocal(URL_PATH_TEMPLATE) instanceof String template) {
                return template;
            }
        }
        return "unmatched";
    }
}
