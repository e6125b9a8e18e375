package org.e2guard.cds.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A suggested change: {@code create} and {@code update} carry the whole FHIR resource (encoded
 * by HAPI, never assembled by hand); {@code delete} names its target in {@code resourceId}
 * (e.g. {@code MedicationRequest/123}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CdsAction(String type, String description, JsonNode resource, String resourceId) {
}
