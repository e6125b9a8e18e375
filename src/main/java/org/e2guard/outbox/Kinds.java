package org.e2guard.outbox;

import java.util.List;

/** The kinds of outbox rows. */
public final class Kinds {
    /** A notification the EHR pushed, stored before the HTTP answer. Key: a random id. */
    public static final String NOTIFICATION = "notification";
    /** Re-evaluate one patient from the EHR and write back the difference. Key: the EHR's Patient id. */
    public static final String PATIENT = "patient";
    /** Catch-up search by _lastUpdated. Key: {@value #EHR_KEY}. */
    public static final String SYNC = "sync";
    /** Make sure the EHR holds e2guard's Subscriptions. Key: {@value #EHR_KEY}. */
    public static final String SUBSCRIBE = "subscribe";

    /** The key of work that exists once per EHR. */
    public static final String EHR_KEY = "ehr";

    public static final List<String> ALL = List.of(NOTIFICATION, PATIENT, SYNC, SUBSCRIBE);

    private Kinds() {
    }
}
