package org.e2guard.cds.service;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Bundle;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A validated hook request.
 *
 * @param fhirServer  the EHR's FHIR base URL, or null
 * @param accessToken the bearer token for {@code fhirServer} (a transient secret), or null
 * @param prefetch    the prefetch keys the EHR sent; a JSON null value stays as {@code NullNode}
 * @param draftOrders order hooks: the draft orders; null for patient-view
 * @param selections  order-select: the selected orders ({@code Type/id}); null otherwise
 */
public record HookCall(CdsService service, String hookInstance, String patientId, String userId,
                       String fhirServer, String accessToken, Map<String, JsonNode> prefetch,
                       Bundle draftOrders, List<String> selections, Instant asOf) {

    /** CDS Hooks: the service may read the FHIR server only when given both its URL and a token. */
    public boolean canFetch() {
        return fhirServer != null && accessToken != null;
    }

    public String patientRef() {
        return "Patient/" + patientId;
    }

    @Override
    public String toString() {
        // never print the token or patient data
        return "HookCall[" + service.id() + ", prefetch keys=" + prefetch.keySet() + ", fhirServer="
                + (fhirServer != null) + "]";
    }
}
