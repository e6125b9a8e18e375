package org.e2guard.notification;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirInput;
import org.e2guard.fhir.FhirResponses;
import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.Outbox;
import org.e2guard.subscription.BackportStatus;
import org.e2guard.subscription.Notification;
import org.e2guard.subscription.NotificationHandler;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.e2guard.subscription.SubscriptionConfig;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Where EHRs deliver subscription notifications, in the shapes real servers send:
 * <ul>
 * <li>{@code PUT /ehr-notifications/{ehr}/{type}/{id}}: a resource in full (HAPI FHIR rest-hook with a payload);</li>
 * <li>{@code POST /ehr-notifications/{ehr}} without a body: an empty notification (HAPI FHIR without a payload);</li>
 * <li>{@code POST /ehr-notifications/{ehr}} with a {@code history} Bundle: a topic-based (R5 Backport) notification;</li>
 * <li>{@code POST /ehr-notifications/{ehr}/{type}}: a resource in full, create-style;</li>
 * <li>{@code DELETE /ehr-notifications/{ehr}/{type}/{id}}: a deletion (HAPI FHIR).</li>
 * </ul>
 * Not under {@code /fhir/}: the EHR authenticates with the subscription's secret header, compared
 * in constant time. The notification is stored in the outbox and answered at once, as a FHIR
 * server would (200 with a FHIR body; HAPI FHIR retries answers it cannot parse); the work happens
 * asynchronously.
 */
@Path("/ehr-notifications")
public class NotificationResource {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    @Inject
    EhrRegistry ehrs;
    @Inject
    Outbox outbox;
    @Inject
    FhirContext ctx;
    @Inject
    FhirResponses responses;
    @Inject
    SubscriptionConfig config;
    @Inject
    MeterRegistry metrics;
    @Inject
    Clock clock;
    @Inject
    ObjectMapper json;
    @Inject
    NotificationHandler handler;

    @POST
    @Path("{ehr}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Subscription notification: empty (bodiless) or a topic-based notification Bundle")
    public Response post(@PathParam("ehr") String ehrName, @Context HttpHeaders headers, InputStream body) {
        Ehr ehr = authorise(ehrName, headers);
        byte[] bytes = read(body);
        if (blank(bytes)) {
            return accept(ehr, new Notification(Notification.KIND_EMPTY, null, null, null), Notification.KIND_EMPTY, null);
        }
        IBaseResource resource = parse(headers, bytes);
        if (resource instanceof Bundle bundle && bundle.getType() == Bundle.BundleType.HISTORY) {
            BackportStatus status = BackportStatus.of(bundle);
            if (status == null) {
                throw FhirError.invalid("A notification Bundle must start with a SubscriptionStatus Parameters entry",
                        "Bundle.entry[0].resource");
            }
            String json = ctx.newJsonParser().encodeResourceToString(bundle);
            return accept(ehr, new Notification(Notification.KIND_BUNDLE, null, null, json), status.type(), bundle);
        }
        return resource(ehr, resource, null, null);
    }

    @POST
    @Path("{ehr}/{type}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Subscription notification: a resource in full, create-style")
    public Response postResource(@PathParam("ehr") String ehrName, @PathParam("type") String type,
                                 @Context HttpHeaders headers, InputStream body) {
        Ehr ehr = authorise(ehrName, headers);
        checkType(type);
        byte[] bytes = read(body);
        if (blank(bytes)) {
            throw FhirError.invalid("A " + type + " notification needs the resource as its body", null);
        }
        return resource(ehr, parse(headers, bytes), type, null);
    }

    @PUT
    @Path("{ehr}/{type}/{id}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Subscription notification: a resource in full (HAPI FHIR rest-hook with payload)")
    public Response put(@PathParam("ehr") String ehrName, @PathParam("type") String type, @PathParam("id") String id,
                        @Context HttpHeaders headers, InputStream body) {
        Ehr ehr = authorise(ehrName, headers);
        checkType(type);
        checkId(id);
        byte[] bytes = read(body);
        if (blank(bytes)) {
            // a bodiless PUT still says which resource changed
            return accept(ehr, new Notification(Notification.KIND_RESOURCE, type, id, null), Notification.KIND_RESOURCE, null);
        }
        return resource(ehr, parse(headers, bytes), type, id);
    }

    @DELETE
    @Path("{ehr}/{type}/{id}")
    @Operation(summary = "Subscription notification: a resource was deleted")
    public Response delete(@PathParam("ehr") String ehrName, @PathParam("type") String type, @PathParam("id") String id,
                           @Context HttpHeaders headers) {
        Ehr ehr = authorise(ehrName, headers);
        checkType(type);
        checkId(id);
        return accept(ehr, new Notification(Notification.KIND_DELETE, type, id, null), Notification.KIND_DELETE, null);
    }

    private Response resource(Ehr ehr, IBaseResource resource, String type, String id) {
        if (type != null && !type.equals(resource.fhirType())) {
            throw FhirError.invalid("The URL names a " + type + " but the body is a " + resource.fhirType(), null);
        }
        String resourceId = id != null ? id : resource.getIdElement().getIdPart();
        // the usual case (HAPI's rest-hook with payload): the resource names its patient, so the
        // patient's row is queued now and is the durable record; a notification row would only be
        // stored, claimed and run to do the same a moment later, six times for one filed chart
        if (resource instanceof Resource r && resourceId != null) {
            if (!r.getIdElement().hasIdPart()) {
                r.setId(resourceId);
            }
            if (handler.handleNow(ehr, r, clock.instant())) {
                return answer(Notification.KIND_RESOURCE, null);
            }
        }
        String json = ctx.newJsonParser().encodeResourceToString(resource);
        return accept(ehr, new Notification(Notification.KIND_RESOURCE, resource.fhirType(), resourceId, json),
                Notification.KIND_RESOURCE, null);
    }

    /** Stores the notification durably, then answers. */
    private Response accept(Ehr ehr, Notification n, String kindTag, Bundle bundle) {
        Instant now = clock.instant();
        outbox.enqueue(ehr.name(), Kinds.NOTIFICATION, "n-" + UUID.randomUUID(), n.toJson(json), now, now);
        return answer(kindTag, bundle);
    }

    private Response answer(String kindTag, Bundle bundle) {
        metrics.counter("e2guard.notifications.received", "kind", kindTag).increment();
        if (bundle != null) {
            // a topic-based server posts the Bundle like a transaction and may expect a Bundle back
            Bundle answer = new Bundle().setType(Bundle.BundleType.TRANSACTIONRESPONSE);
            bundle.getEntry().forEach(e -> answer.addEntry().getResponse().setStatus("200 OK"));
            return responses.ok(answer, FhirFormat.JSON, false);
        }
        OperationOutcome oo = new OperationOutcome();
        oo.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(OperationOutcome.IssueType.INFORMATIONAL).setDiagnostics("Notification accepted");
        return responses.ok(oo, FhirFormat.JSON, false);
    }

    /** The EHR must be configured for push and present its secret; otherwise 404 or 401. */
    private Ehr authorise(String name, HttpHeaders headers) {
        Ehr ehr = ehrs.find(name).filter(Ehr::pushEnabled)
                .orElseThrow(() -> new FhirError(404, OperationOutcome.IssueType.NOTFOUND,
                        "No EHR with push notifications is configured under this name", null));
        if (!ehr.secretMatches(headers.getHeaderString(config.secretHeader()))) {
            metrics.counter("e2guard.notifications.received", "kind", "unauthorized").increment();
            throw new FhirError(401, OperationOutcome.IssueType.LOGIN,
                    "Missing or wrong notification secret (header " + config.secretHeader() + ")", null);
        }
        return ehr;
    }

    private void checkType(String type) {
        if (!ctx.getResourceTypes().contains(type)) {
            throw FhirError.invalid("'" + type + "' is not a FHIR R4 resource type", null);
        }
    }

    private static void checkId(String id) {
        if (!ID.matcher(id).matches()) {
            throw FhirError.invalid("'" + id + "' is not a FHIR resource id", null);
        }
    }

    private byte[] read(InputStream body) {
        long max = config.maxNotificationSize().asLongValue();
        if (body == null) {
            return new byte[0];
        }
        try {
            byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (bytes.length > max) {
                throw new FhirError(413, OperationOutcome.IssueType.TOOCOSTLY, "The notification is larger than the limit of "
                        + max + " bytes (e2guard.subscription.max-notification-size)", null);
            }
            return bytes;
        } catch (IOException e) {
            throw FhirError.invalid("The body could not be read: " + e.getClass().getSimpleName(), null);
        }
    }

    private static boolean blank(byte[] bytes) {
        for (byte b : bytes) {
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    private IBaseResource parse(HttpHeaders headers, byte[] bytes) {
        FhirFormat format = FhirFormat.of(headers.getHeaderString(HttpHeaders.CONTENT_TYPE));
        if (format == null) {
            // some servers label FHIR loosely; the first character tells JSON from XML
            for (byte b : bytes) {
                if (!Character.isWhitespace(b)) {
                    format = b == '<' ? FhirFormat.XML : FhirFormat.JSON;
                    break;
                }
            }
        }
        return FhirInput.parse(ctx, format, new ByteArrayInputStream(bytes), config.maxNotificationSize().asLongValue());
    }
}
