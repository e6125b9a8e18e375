package org.e2guard.ehr;

import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;

/**
 * Asks the EHR for fresh answers: {@code Cache-Control: no-cache} on every GET. HAPI FHIR answers a
 * search identical to one made in the last 60 s from its cache otherwise, so a second result filed
 * seconds after the first went unseen until the catch-up sync, and Subscriptions made just before a
 * restart were missed.
 */
public final class FreshReads implements IClientInterceptor {
    public static final String HEADER = "Cache-Control";
    public static final String NO_CACHE = "no-cache";

    @Override
    public void interceptRequest(IHttpRequest request) {
        if ("GET".equals(request.getHttpVerbName())) {
            request.removeHeaders(HEADER);
            request.addHeader(HEADER, NO_CACHE);
        }
    }

    @Override
    public void interceptResponse(IHttpResponse response) {
        // nothing to do with the answer
    }
}
