package org.e2guard.ops.logging;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The id that ties together every log line (and the response) of one request. A caller's own id
 * is kept so that one id can be followed across the EHR, a gateway and e2guard; it is only
 * trusted when it looks like an id, because it goes into every log line of the request and a
 * free-text header would let a client write anything (line breaks, fake entries, patient data)
 * into the log.
 */
public final class RequestId {
    /** The response header that always carries the id. */
    public static final String HEADER = "X-Request-Id";
    /** Accepted from callers that use this name instead; echoed under the same name. */
    public static final String CORRELATION_HEADER = "X-Correlation-Id";
    /** Key of the id in the logging MDC (a field of every JSON log record). */
    public static final String MDC_KEY = "requestId";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private RequestId() {
    }

    /** The caller's id if it is a plausible id (1-128 of {@code A-Z a-z 0-9 . _ : -}), else null. */
    public static String accept(String candidate) {
        if (candidate == null) {
            return null;
        }
        String trimmed = candidate.trim();
        return SAFE.matcher(trimmed).matches() ? trimmed : null;
    }

    /** A fresh random id. */
    public static String generate() {
        return UUID.randomUUID().toString();
    }
}
