package org.e2guard.ehr.auth;

import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;

/** Adds the EHR's Authorization header to every FHIR request, and drops a refused token. */
public final class AuthInterceptor implements IClientInterceptor {
    private final EhrAuth auth;

    public AuthInterceptor(EhrAuth auth) {
        this.auth = auth;
    }

    @Override
    public void interceptRequest(IHttpRequest request) {
        String value = auth.authorization();
        if (value != null) {
            request.removeHeaders("Authorization");
            request.addHeader("Authorization", value);
        }
    }

    @Override
    public void interceptResponse(IHttpResponse response) {
        if (response.getStatus() == 401) {
            auth.invalidate();
        }
    }
}
