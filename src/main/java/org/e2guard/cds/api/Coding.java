package org.e2guard.cds.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The CDS Hooks Coding data type (a trimmed FHIR Coding); {@code display} is required on override reasons. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Coding(String system, String code, String display) {
}
