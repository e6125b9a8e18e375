package org.e2guard.cds.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * A suggested change: {@code create} and {@code update} carry the whole FHIR resource (encoded
 * by HAPI, never assembled by hand, and written into the response as HAPI encoded it);
 * {@code delete} names its target in {@code resourceId} (e.g. {@code MedicationRequest/123}).
 *
 * @param resource the resource as FHIR JSON, encoded by HAPI
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CdsAction(String type, String description, @JsonRawValue String resource, String resourceId) {
}
