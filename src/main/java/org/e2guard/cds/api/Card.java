package org.e2guard.cds.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A CDS Hooks 2.0 card. Optional members without a value are omitted, as the specification
 * requires. {@code extension} carries e2guard's machine-readable view of the card (the rules and
 * severities it stands for), which the specification reserves for exactly such use.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Card(String uuid, String summary, String detail, String indicator, Source source,
                   List<Suggestion> suggestions, String selectionBehavior, List<Coding> overrideReasons,
                   List<Link> links, Map<String, Object> extension) {
}
