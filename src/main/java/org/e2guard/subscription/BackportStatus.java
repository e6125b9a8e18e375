package org.e2guard.subscription;

import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;

/**
 * The SubscriptionStatus of a topic-based notification (Subscriptions R5 Backport IG, R4 profile
 * {@code backport-subscription-status-r4}): the first entry of the {@code history} Bundle, a
 * Parameters resource naming the subscription, the notification type (handshake, heartbeat,
 * event-notification, query-status, query-event), the count of events since the subscription
 * started, and each event's number and focus.
 */
public record BackportStatus(String subscription, String type, Long eventsSinceStart, List<Event> events) {

    public record Event(Long number, String focus) {
    }

    /** The status of a notification Bundle, or null when its first entry is not one. */
    public static BackportStatus of(Bundle bundle) {
        if (bundle.getEntry().isEmpty() || !(bundle.getEntryFirstRep().getResource() instanceof Parameters p)) {
            return null;
        }
        String subscription = null;
        String type = "event-notification";
        Long since = null;
        List<Event> events = new ArrayList<>();
        for (Parameters.ParametersParameterComponent param : p.getParameter()) {
            switch (param.getName() == null ? "" : param.getName()) {
                case "subscription" -> subscription = param.getValue() instanceof Reference r ? r.getReference()
                        : text(param.getValue());
                case "type" -> type = text(param.getValue()) == null ? type : text(param.getValue());
                case "events-since-subscription-start" -> since = number(param.getValue());
                case "notification-event" -> {
                    Long number = null;
                    String focus = null;
                    for (Parameters.ParametersParameterComponent part : param.getPart()) {
                        if ("event-number".equals(part.getName())) {
                            number = number(part.getValue());
                        } else if ("focus".equals(part.getName()) && part.getValue() instanceof Reference r) {
                            focus = r.getReference();
                        }
                    }
                    events.add(new Event(number, focus));
                }
                default -> {
                }
            }
        }
        if (subscription == null) {
            return null;
        }
        return new BackportStatus(subscription, type, since, events);
    }

    private static String text(Type value) {
        return value == null ? null : value.primitiveValue();
    }

    /** Event numbers are strings in the R4 profile (int64) and integers in older drafts; both are read. */
    private static Long number(Type value) {
        String s = text(value);
        if (s == null) {
            return null;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
