package org.e2guard.fhir;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;

/**
 * Reads a FHIR request body: enforces the size limit while reading, and turns every parse error
 * into a 400 naming what is wrong and where. Unknown elements are tolerated (FHIR's must-ignore
 * rule for extensions does not cover them, but rejecting a whole bundle for one is worse).
 */
public final class FhirInput {
    private FhirInput() {
    }

    public static IBaseResource parse(FhirContext ctx, FhirFormat format, InputStream body, long maxBytes) {
        if (format == null) {
            throw unsupportedMediaType();
        }
        FhirParseErrors errors = new FhirParseErrors();
        IParser parser = format.parser(ctx).setParserErrorHandler(errors);
        IBaseResource resource;
        try (Reader reader = new InputStreamReader(new LimitedInputStream(body, maxBytes), StandardCharsets.UTF_8)) {
            resource = parser.parseResource(reader);
        } catch (LimitedInputStream.TooLarge e) {
            throw tooLarge(maxBytes);
        } catch (DataFormatException e) {
            if (e.getCause() instanceof LimitedInputStream.TooLarge) {
                throw tooLarge(maxBytes);
            }
            throw FhirError.invalid("The body is not valid FHIR " + format.name() + ": " + e.getMessage(), null);
        } catch (IOException e) {
            throw FhirError.invalid("The body could not be read: " + e.getClass().getSimpleName(), null);
        }
        if (!errors.errors().isEmpty()) {
            throw FhirError.invalid("Invalid FHIR content: " + String.join("; ", errors.errors()), errors.firstLocation());
        }
        return resource;
    }

    /**
     * Reads a whole body, stopping at the size limit (413), for callers that need the bytes
     * themselves as well as the parsed resource (the validator reads the raw text).
     */
    public static byte[] read(InputStream body, long maxBytes) {
        try (InputStream in = new LimitedInputStream(body, maxBytes)) {
            return in.readAllBytes();
        } catch (LimitedInputStream.TooLarge e) {
            throw tooLarge(maxBytes);
        } catch (IOException e) {
            throw FhirError.invalid("The body could not be read: " + e.getClass().getSimpleName(), null);
        }
    }

    /** 415: the body is not in a FHIR format. */
    public static FhirError unsupportedMediaType() {
        return new FhirError(415, OperationOutcome.IssueType.NOTSUPPORTED,
                "Unsupported or missing Content-Type; send application/fhir+json, application/json or application/fhir+xml",
                null);
    }

    /** 413 before reading, when the client declares a body above the limit. */
    public static void checkDeclaredLength(Long contentLength, long maxBytes) {
        if (contentLength != null && contentLength > maxBytes) {
            throw tooLarge(maxBytes);
        }
    }

    public static FhirError tooLarge(long maxBytes) {
        return new FhirError(413, OperationOutcome.IssueType.TOOCOSTLY,
                "The body is larger than the limit of " + maxBytes + " bytes (e2guard.evaluate.max-body-size)", null);
    }

    /** Counts bytes as they are read and stops the parse when the limit is passed. */
    static final class LimitedInputStream extends java.io.FilterInputStream {
        static final class TooLarge extends IOException {
            TooLarge() {
                super("too large", null);
            }
        }

        private final long max;
        private long count;

        LimitedInputStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && ++count > max) {
                throw new TooLarge();
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0 && (count += n) > max) {
                throw new TooLarge();
            }
            return n;
        }
    }


    /** The Bundle of a Parameters body ($validate checks inputs the same way). */
    public static Bundle bundleParameter(Parameters p) {
        Parameters.ParametersParameterComponent param = p.getParameter("bundle");
        if (param == null || !(param.getResource() instanceof Bundle b)) {
            throw FhirError.invalid("The Parameters resource has no 'bundle' parameter holding a Bundle",
                    "Parameters.parameter");
        }
        return b;
    }

    /** Rejects Bundle types $evaluate does not read ($validate reports the same). */
    public static void checkType(Bundle bundle) {
        if (!bundle.hasType()) {
            throw FhirError.invalid("Bundle.type is missing", "Bundle.type");
        }
        switch (bundle.getType()) {
            case COLLECTION, BATCH, TRANSACTION, SEARCHSET, DOCUMENT -> {
            }
            default -> throw FhirError.invalid("Bundle.type '" + bundle.getType().toCode()
                    + "' is not evaluated; send a collection, batch, transaction, searchset or document Bundle",
                    "Bundle.type");
        }
    }
}
