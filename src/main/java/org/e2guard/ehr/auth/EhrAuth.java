package org.e2guard.ehr.auth;

/** How e2guard authenticates its requests to one EHR. */
public interface EhrAuth {

    /** The Authorization header value for the next request, or null for none. */
    String authorization();

    /** The EHR refused the credentials (401): forget any cached token so the next request gets a new one. */
    default void invalidate() {
    }

    EhrAuth NONE = () -> null;

    static EhrAuth bearer(String token) {
        String header = "Bearer " + token;
        return () -> header;
    }
}
