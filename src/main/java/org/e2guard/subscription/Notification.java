package org.e2guard.subscription;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A notification as stored in the outbox between the HTTP answer and its processing.
 *
 * @param kind one of the {@code KIND_*} values (also the {@code kind} tag of
 *             {@code e2guard.notifications.received})
 * @param type the resource type named by the URL ({@code PUT .../Observation/42}), if any
 * @param id   the resource id named by the URL, if any
 * @param body the notification body as FHIR JSON, if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Notification(String kind, String type, String id, String body) {
    /** A resource in full (HAPI FHIR: {@code PUT [endpoint]/[type]/[id]}). */
    public static final String KIND_RESOURCE = "full-resource";
    /** An empty notification (HAPI FHIR: a bodiless {@code POST [endpoint]}): something changed. */
    public static final String KIND_EMPTY = "empty";
    /** A deletion ({@code DELETE [endpoint]/[type]/[id]}). */
    public static final String KIND_DELETE = "delete";
    /** A topic-based (R5 Backport) notification Bundle; its status says handshake, heartbeat or event. */
    public static final String KIND_BUNDLE = "bundle";

    public String toJson(ObjectMapper json) {
        try {
            return json.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Notification fromJson(ObjectMapper json, String text) {
        try {
            return json.readValue(text, Notification.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
