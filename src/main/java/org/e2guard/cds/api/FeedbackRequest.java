package org.e2guard.cds.api;

import java.util.List;

/** {@code POST /cds-services/{id}/feedback}: what the user did with cards (CDS Hooks 2.0 "Feedback"). */
public record FeedbackRequest(List<Feedback> feedback) {

    /**
     * @param card                the card's uuid
     * @param outcome             {@code accepted} or {@code overridden}
     * @param acceptedSuggestions required for {@code accepted}
     * @param outcomeTimestamp    when the user acted (ISO 8601, UTC)
     */
    public record Feedback(String card, String outcome, List<AcceptedSuggestion> acceptedSuggestions,
                           OverrideReason overrideReason, String outcomeTimestamp) {
    }

    public record AcceptedSuggestion(String id) {
    }

    public record OverrideReason(Coding reason, String userComment) {
    }
}
