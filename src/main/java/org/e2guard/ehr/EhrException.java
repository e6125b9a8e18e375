package org.e2guard.ehr;

import java.io.IOException;
import java.io.UncheckedIOException;

import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/**
 * A failed exchange with an EHR, classified by what to do about it. The message is safe to log:
 * HTTP status and exception class only, never the EHR's diagnostics (they can quote patient data);
 * {@link #detail()} adds a shortened diagnostic for the outbox's admin view.
 */
public class EhrException extends RuntimeException {

    public enum Reason {
        /** The EHR could not be reached or is overloaded (connection, 5xx, 408, 429): retry later, count for the breaker. */
        UNAVAILABLE("ehr-unavailable"),
        /** The EHR refused e2guard's credentials (401, 403, token endpoint refusal). */
        AUTH("ehr-auth"),
        /** The resource is not there (404, 410). */
        NOT_FOUND("ehr-not-found"),
        /** The EHR rejected the request as such (other 4xx); retrying the same request will not help soon. */
        REJECTED("ehr-rejected"),
        /** Something failed inside e2guard. */
        INTERNAL("internal");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        /** The value of the {@code reason} metric tag. */
        public String tag() {
            return tag;
        }
    }

    private final Reason reason;
    private final int status;
    private final String detail;

    public EhrException(Reason reason, int status, String message, String detail) {
        super(message, null, false, false);
        this.reason = reason;
        this.status = status;
        this.detail = detail;
    }

    public Reason reason() {
        return reason;
    }

    /** HTTP status, 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** The log-safe message plus a shortened diagnostic from the EHR, for the admin view only. */
    public String detail() {
        return detail == null ? getMessage() : getMessage() + ": " + detail;
    }

    /** Whether this failure says the EHR is unavailable, which is what the circuit breaker counts. */
    public boolean unavailable() {
        return reason == Reason.UNAVAILABLE;
    }

    /** Classifies any failure met while talking to an EHR. */
    public static EhrException of(Throwable t) {
        if (t instanceof EhrException e) {
            return e;
        }
        if (t instanceof FhirClientConnectionException || t instanceof IOException || t instanceof UncheckedIOException) {
            // checked first: HAPI FHIR reports "no connection" as a BaseServerResponseException with status 500
            return new EhrException(Reason.UNAVAILABLE, 0, "EHR not reachable (" + t.getClass().getSimpleName() + ")",
                    shorten(t.getMessage()));
        }
        if (t instanceof BaseServerResponseException e) {
            int s = e.getStatusCode();
            Reason r = forStatus(s);
            return new EhrException(r, s, "EHR answered HTTP " + s + " (" + r.tag() + ")", shorten(e.getMessage()));
        }
        return new EhrException(Reason.INTERNAL, 0, "internal failure (" + t.getClass().getName() + ")", shorten(t.getMessage()));
    }

    /** What an EHR's HTTP error status means for e2guard (also for the entries of a batch answer). */
    public static Reason forStatus(int s) {
        return s >= 500 || s == 408 || s == 429 ? Reason.UNAVAILABLE
                : s == 401 || s == 403 ? Reason.AUTH
                : s == 404 || s == 410 ? Reason.NOT_FOUND
                : Reason.REJECTED;
    }

    private static String shorten(String s) {
        if (s == null) {
            return null;
        }
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
