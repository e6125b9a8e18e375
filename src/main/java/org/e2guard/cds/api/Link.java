package org.e2guard.cds.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A card link: {@code absolute} (documentation) or {@code smart} (an app the EHR launches). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Link(String label, String url, String type, String appContext) {
}
