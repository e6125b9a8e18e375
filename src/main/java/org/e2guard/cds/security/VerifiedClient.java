package org.e2guard.cds.security;

import jakarta.enterprise.context.RequestScoped;

/** The EHR that a request's JWT proved to be (issuer, tenant); empty when verification is off. */
@RequestScoped
public class VerifiedClient {
    private String issuer;
    private String tenant;

    void set(String issuer, String tenant) {
        this.issuer = issuer;
        this.tenant = tenant;
    }

    public String issuer() {
        return issuer;
    }

    public String tenant() {
        return tenant;
    }
}
