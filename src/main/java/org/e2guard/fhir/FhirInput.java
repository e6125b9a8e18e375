package org.e2guard.fhir;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
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
        Utf8Reader reader = new Utf8Reader(new InputStreamReader(new LimitedInputStream(body, maxBytes), strictUtf8()));
        try (reader) {
            resource = parser.parseResource(reader);
        } catch (LimitedInputStream.TooLarge e) {
            throw tooLarge(maxBytes);
        } catch (CharacterCodingException e) {
            throw notUtf8();
        } catch (DataFormatException e) {
            if (e.getCause() instanceof LimitedInputStream.TooLarge) {
                throw tooLarge(maxBytes);
            }
            // the XML parser wraps the decoder's exception without a cause chain; the reader saw it
            if (reader.malformed) {
                throw notUtf8();
            }
            throw FhirError.invalid("The body is not valid FHIR " + format.name() + ": " + e.getMessage(), null);
        } catch (IOException e) {
            throw FhirError.invalid("The body could not be read: " + e.getClass().getSimpleName(), null);
        }
        if (reader.malformed) {
            throw notUtf8(); // in case a parser reported the failed read as a content error
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

    /**
     * The body as text, for callers that hold its bytes (the validator reads text): 400 when it is
     * not UTF-8, the only encoding FHIR allows, rather than a text with replacement characters.
     */
    public static String text(byte[] bytes) {
        try {
            return strictUtf8().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw notUtf8();
        }
    }

    /**
     * A UTF-8 decoder that fails on malformed or unmappable bytes. The JDK's default replaces them
     * with U+FFFD, which would evaluate a record whose codes or values silently changed.
     */
    static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** 400: the body is not valid UTF-8. */
    public static FhirError notUtf8() {
        return FhirError.invalid("The body is not valid UTF-8; FHIR JSON and XML must be sent in UTF-8", null);
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

    /**
     * The body counted as it is read, for a caller that parses it itself: reading past
     * {@code maxBytes} throws an IOException that {@link #tooLargeIn} recognises.
     */
    public static InputStream limited(InputStream body, long maxBytes) {
        return new LimitedInputStream(body, maxBytes);
    }

    /** Whether a parse failed because the body passed the size limit, however the parser wrapped it. */
    public static boolean tooLargeIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LimitedInputStream.TooLarge) {
                return true;
            }
        }
        return false;
    }

    /** The body decoded strictly as UTF-8, remembering a refusal that a parser may report as something else. */
    public static Utf8Reader strictUtf8Reader(InputStream body) {
        return new Utf8Reader(new InputStreamReader(body, strictUtf8()));
    }

    /** Remembers that the strict decoder refused the bytes, whatever the parser makes of the exception. */
    public static final class Utf8Reader extends java.io.FilterReader {
        boolean malformed;

        /** Whether the bytes read so far were not UTF-8. */
        public boolean malformed() {
            return malformed;
        }

        Utf8Reader(Reader in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (CharacterCodingException e) {
                malformed = true;
                throw e;
            }
        }

        @Override
        public int read(char[] buf, int off, int len) throws IOException {
            try {
                return super.read(buf, off, len);
            } catch (CharacterCodingException e) {
                malformed = true;
                throw e;
            }
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
