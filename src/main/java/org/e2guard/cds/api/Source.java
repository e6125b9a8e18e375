package org.e2guard.cds.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A card's primary source of guidance. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Source(String label, String url, String icon, Coding topic) {
}
