package org.e2guard.cds.api;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One service in the discovery response (CDS Hooks 2.0 "Discovery"). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record CdsServiceDescriptor(String hook, String title, String description, String id,
                                   Map<String, String> prefetch, String usageRequirements) {
}
