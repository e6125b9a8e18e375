package org.e2guard.writeback;

import java.time.Instant;

import org.hl7.fhir.r4.model.Resource;

/**
 * One resource to write to the EHR, as e2guard produced it (references still e2guard's own:
 * {@code Device/e2guard}, {@code DetectedIssue/<identifier>}).
 *
 * @param status          {@code active} or {@code resolved}: the state once written
 * @param hash            the content hash that will be recorded once written
 * @param firstIdentified recorded with the state; kept across updates of an active finding
 */
public record PlannedWrite(String resourceType, String identifierSystem, String identifier, String rule, String status,
                           String hash, Instant firstIdentified, Resource resource) {
}
