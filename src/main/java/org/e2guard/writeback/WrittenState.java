package org.e2guard.writeback;

import java.time.Instant;

/**
 * What e2guard last wrote to an EHR under one deterministic identifier.
 *
 * @param status          {@code active} or {@code resolved}
 * @param hash            the content hash of what was written (see {@link ContentHash})
 * @param ehrId           the EHR's logical id of the resource
 * @param firstIdentified when the finding (or the Flag) first became active in this run of activity
 * @param body            the resource as written, with e2guard's own references (Device/e2guard,
 *                        DetectedIssue/&lt;identifier&gt;), for amending it on resolution
 */
public record WrittenState(String resourceType, String identifier, String patientId, String rule, String status,
                           String hash, String ehrId, String ehrVersion, Instant firstIdentified, String body,
                           Instant writtenAt) {
    public static final String ACTIVE = "active";
    public static final String RESOLVED = "resolved";

    public boolean active() {
        return ACTIVE.equals(status);
    }
}
