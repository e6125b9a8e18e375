package org.e2guard.cds.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The EHR's access token for its FHIR server ({@code fhirAuthorization}). The token is a
 * transient secret: it is used for the calls of one hook request and never logged or stored.
 */
public record FhirAuthorization(@JsonProperty("access_token") String accessToken,
                                @JsonProperty("token_type") String tokenType,
                                @JsonProperty("expires_in") Long expiresIn,
                                String scope, String subject, String patient) {
    @Override
    public String toString() {
        return "FhirAuthorization[token_type=" + tokenType + ", scope=" + scope + "]";
    }
}
