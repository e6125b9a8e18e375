package org.e2guard.fhir;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.IParserErrorHandler;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue;

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
            throw new FhirError(415, OperationOutcome.IssueType.NOTSUPPORTED,
                    "Unsupported or missing Content-Type; send application/fhir+json, application/json or application/fhir+xml",
                    null);
        }
        Collector errors = new Collector();
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
        if (!errors.errors.isEmpty()) {
            throw FhirError.invalid("Invalid FHIR content: " + String.join("; ", errors.errors), errors.firstLocation);
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

    public static FhirError tooLarge(long maxBytes) {
        return new FhirError(413, OperationOutcome.IssueType.TOOCOSTLY,
                "The body is larger than the limit of " + maxBytes + " bytes (e2guard.evaluate.max-body-size)", null);
    }

    /** Collects the parser's complaints; unknown elements and attributes are let through. */
    private static final class Collector implements IParserErrorHandler {
        final List<String> errors = new ArrayList<>();
        String firstLocation;

        private void error(IParseLocation location, String message) {
            if (errors.size() < 20) {
                String where = location == null ? null : location.toString();
                errors.add(where == null ? message : message + " (at " + where + ")");
                if (firstLocation == null) {
                    firstLocation = where;
                }
            }
        }

        @Override
        public void containedResourceWithNoId(IParseLocation location) {
            error(location, "contained resource without an id");
        }

        @Override
        public void incorrectJsonType(IParseLocation location, String elementName, BaseJsonLikeValue.ValueType expected,
                                      BaseJsonLikeValue.ScalarType expectedScalar, BaseJsonLikeValue.ValueType found,
                                      BaseJsonLikeValue.ScalarType foundScalar) {
            error(location, "element '" + elementName + "' has the wrong JSON type (expected " + expected + ", found " + found + ")");
        }

        @Override
        public void invalidValue(IParseLocation location, String value, String error) {
            error(location, "invalid value: " + error);
        }

        /** Tolerated: the mapping reports a resource that lacks what the rules need. */
        @Override
        public void missingRequiredElement(IParseLocation location, String elementName) {
        }

        @Override
        public void invalidInternalReference(IParseLocation location, String reference) {
        }

        @Override
        public void unexpectedRepeatingElement(IParseLocation location, String elementName) {
            error(location, "element '" + elementName + "' must not repeat");
        }

        @Override
        public void unknownAttribute(IParseLocation location, String attributeName) {
        }

        @Override
        public void unknownElement(IParseLocation location, String elementName) {
        }

        @Override
        public void unknownReference(IParseLocation location, String reference) {
        }

        @Override
        public void extensionContainsValueAndNestedExtensions(IParseLocation location) {
            error(location, "extension has both a value and nested extensions");
        }
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

}
