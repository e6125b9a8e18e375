package org.e2guard.operations;

import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * What every FHIR operation of the service reads from its HTTP request besides the body, gathered
 * by JAX-RS ({@code @BeanParam}) so that the three operations cannot drift apart in what they
 * accept. {@link OperationInput} turns it into checked values.
 */
public class OperationRequest {
    @HeaderParam(HttpHeaders.CONTENT_TYPE)
    String contentType;
    @HeaderParam(HttpHeaders.ACCEPT)
    String accept;
    @HeaderParam(HttpHeaders.CONTENT_LENGTH)
    Long contentLength;
    @QueryParam("_format")
    String format;
    @QueryParam("_pretty")
    boolean pretty;
    @QueryParam("asOf")
    String asOf;

    public boolean pretty() {
        return pretty;
    }
}
