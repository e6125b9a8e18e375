package org.e2guard.cds.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A set of actions the user can accept together; its {@code uuid} comes back in feedback. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Suggestion(String label, String uuid, @JsonProperty("isRecommended") Boolean isRecommended,
                         List<CdsAction> actions) {
}
