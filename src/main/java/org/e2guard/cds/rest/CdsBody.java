package org.e2guard.cds.rest;

import java.io.IOException;
import java.io.InputStream;

import org.e2guard.fhir.FhirError;
import org.hl7.fhir.r4.model.OperationOutcome;

/** Reads a request body, refusing more than the configured size with 413 as it reads. */
final class CdsBody {
    private CdsBody() {
    }

    static byte[] read(InputStream in, Long contentLength, long max) {
        if (contentLength != null && contentLength > max) {
            throw tooLarge(max);
        }
        try {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (body.length > max) {
                throw tooLarge(max);
            }
            return body;
        } catch (IOException e) {
            throw FhirError.invalid("The body could not be read", null);
        }
    }

    private static FhirError tooLarge(long max) {
        return new FhirError(413, OperationOutcome.IssueType.TOOCOSTLY,
                "The body is larger than the limit of " + max + " bytes (e2guard.cds.max-body-size)", null);
    }
}
