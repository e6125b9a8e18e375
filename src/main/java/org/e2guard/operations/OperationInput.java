package org.e2guard.operations;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.e2guard.evaluation.EvaluateConfig;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirInput;
import org.e2guard.mapping.record.FhirTime;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.mapping.record.SelectiveBundleReader;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Parameters;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The prologue every FHIR operation runs before its own work ({@code $evaluate}, {@code $validate},
 * {@code Patient/$evaluate}): the response format, the body within
 * {@code e2guard.evaluate.max-body-size} (413 above it, whether declared in Content-Length or
 * found while reading), the Bundle and the evaluation time. Every error is a {@link FhirError}, so
 * the three operations answer the same input with the same OperationOutcome.
 */
@ApplicationScoped
public class OperationInput {
    private final FhirContext ctx;
    private final EvaluateConfig limits;
    private final Clock clock;
    private final SelectiveBundleReader selective;

    /** Enough of the body to see its resourceType before choosing how to read it. */
    private static final int HEAD = 8192;

    public OperationInput(FhirContext ctx, EvaluateConfig limits, Clock clock) {
        this.ctx = ctx;
        this.limits = limits;
        this.clock = clock;
        this.selective = new SelectiveBundleReader(ctx);
    }

    /**
     * What {@code $evaluate} reads from its body: the resources the rules read, indexed (the
     * others counted there as ignored), and the body resource for parameters such as asOf.
     */
    public record EvaluateBody(ResourceIndex index, IBaseResource body) {
    }

    /**
     * The body of {@code $evaluate}, with the same errors as {@link #resource} and {@link #bundle}.
     * A Bundle is read selectively ({@link SelectiveBundleReader}): only the entries the rules read
     * are built, so neither time nor memory grows with the claims and encounters of a real record.
     * Anything else (a Parameters body) is parsed whole.
     */
    public EvaluateBody evaluateBody(OperationRequest request, InputStream body) {
        FhirFormat format = FhirFormat.of(request.contentType);
        if (format == null) {
            throw FhirInput.unsupportedMediaType();
        }
        long max = maxBytes();
        FhirInput.checkDeclaredLength(request.contentLength, max);
        InputStream limited = FhirInput.limited(body, max);
        byte[] head;
        try {
            head = limited.readNBytes(HEAD);
        } catch (IOException e) {
            if (FhirInput.tooLargeIn(e)) {
                throw FhirInput.tooLarge(max);
            }
            throw FhirError.invalid("The body could not be read: " + e.getClass().getSimpleName(), null);
        }
        InputStream whole = new SequenceInputStream(new ByteArrayInputStream(head), limited);
        if (SelectiveBundleReader.startsAsBundle(format, new ByteArrayInputStream(head))) {
            SelectiveBundleReader.Selection read = selective.read(format, whole, max);
            FhirInput.checkType(read.shell());
            return new EvaluateBody(read.index(), read.shell());
        }
        IBaseResource resource = FhirInput.parse(ctx, format, whole, max);
        return new EvaluateBody(ResourceIndex.of(bundle(resource)), resource);
    }

    /** The evaluation instant, and whether the client asked for it (rather than taking now). */
    public record AsOf(Instant instant, boolean requested) {
    }

    /**
     * The response format: {@code _format}, then Accept, then the request's own format (JSON when
     * it has none); 406 when the client accepts no FHIR format. Called before anything else, since
     * every later error is answered in it.
     */
    public FhirFormat responseFormat(OperationRequest request) {
        FhirFormat in = FhirFormat.of(request.contentType);
        return FhirFormat.forResponse(request.format, request.accept, in == null ? FhirFormat.JSON : in);
    }

    /** The body parsed as FHIR, streamed through the size limit: 415, 413 or 400 when it is not one. */
    public IBaseResource resource(OperationRequest request, InputStream body) {
        long max = maxBytes();
        FhirInput.checkDeclaredLength(request.contentLength, max);
        return FhirInput.parse(ctx, FhirFormat.of(request.contentType), body, max);
    }

    /**
     * The raw body within the size limit, for an operation that needs the bytes as well as the
     * resource ({@code $validate}'s validator reads the text): 415 unless the Content-Type is a
     * FHIR format, 413 above the limit.
     */
    public byte[] bytes(OperationRequest request, InputStream body) {
        if (FhirFormat.of(request.contentType) == null) {
            throw FhirInput.unsupportedMediaType();
        }
        long max = maxBytes();
        FhirInput.checkDeclaredLength(request.contentLength, max);
        return FhirInput.read(body, max);
    }

    /** {@link #bytes} parsed as FHIR, with the same errors as {@link #resource}. */
    public IBaseResource parse(OperationRequest request, byte[] bytes) {
        return FhirInput.parse(ctx, FhirFormat.of(request.contentType), new ByteArrayInputStream(bytes), maxBytes());
    }

    /**
     * A body that may be left empty and otherwise must be a Parameters resource
     * ({@code Patient/$evaluate}, whose parameters may all be in the query).
     */
    public Optional<Parameters> optionalParameters(OperationRequest request, InputStream body, String operation) {
        if (body == null) {
            return Optional.empty();
        }
        long max = maxBytes();
        FhirInput.checkDeclaredLength(request.contentLength, max);
        byte[] bytes = FhirInput.read(body, max);
        if (FhirInput.text(bytes).isBlank()) {
            return Optional.empty();
        }
        IBaseResource r = parse(request, bytes);
        if (!(r instanceof Parameters p)) {
            throw FhirError.invalid("The body of " + operation + " is a Parameters resource (or empty), not " + r.fhirType(), null);
        }
        return Optional.of(p);
    }

    /**
     * The Bundle {@code $evaluate} reads: the body itself, or the {@code bundle} parameter of a
     * Parameters body; 400 for any other resource or a Bundle type that is not evaluated.
     */
    public static Bundle bundle(IBaseResource resource) {
        Bundle bundle;
        if (resource instanceof Bundle b) {
            bundle = b;
        } else if (resource instanceof Parameters p) {
            bundle = FhirInput.bundleParameter(p);
        } else {
            throw FhirError.invalid("Expected a Bundle, or a Parameters resource with a 'bundle' parameter, not "
                    + resource.fhirType(), resource.fhirType());
        }
        FhirInput.checkType(bundle);
        return bundle;
    }

    /**
     * {@code asOf} from the query, else from the Parameters body (null when there is none), else
     * now; 400 naming where when it is not a FHIR dateTime.
     */
    public AsOf asOf(OperationRequest request, IBaseResource body) {
        if (request.asOf != null && !request.asOf.isBlank()) {
            return new AsOf(instant(request.asOf, "asOf"), true);
        }
        if (body instanceof Parameters p) {
            return asOf(p).orElseGet(this::now);
        }
        return now();
    }

    /** The {@code asOf} parameter of a Parameters body, if it has one. */
    public static Optional<AsOf> asOf(Parameters p) {
        int at = index(p, "asOf");
        if (at < 0) {
            return Optional.empty();
        }
        String where = "Parameters.parameter[" + at + "].value";
        Parameters.ParametersParameterComponent param = p.getParameter().get(at);
        if (param.getValue() == null || param.getValue().primitiveValue() == null) {
            throw FhirError.invalid("The asOf parameter has no value; give it a FHIR dateTime (e.g. 2026-07-01 or "
                    + "2026-07-01T00:00:00Z)", where);
        }
        return Optional.of(new AsOf(instant(param.getValue().primitiveValue(), where), true));
    }

    /** A parameter given in the query (when not blank) or else in the Parameters body; null when neither. */
    public static String parameter(String query, Parameters params, String name) {
        if (query != null && !query.isBlank()) {
            return query;
        }
        if (params != null && params.getParameter(name) != null && params.getParameter(name).getValue() != null) {
            return params.getParameter(name).getValue().primitiveValue();
        }
        return null;
    }

    private AsOf now() {
        return new AsOf(clock.instant(), false);
    }

    private long maxBytes() {
        return limits.maxBodySize().asLongValue();
    }

    private static Instant instant(String text, String where) {
        try {
            return FhirTime.instant(new DateTimeType(text.trim()));
        } catch (DataFormatException | IllegalArgumentException e) {
            throw FhirError.invalid("asOf '" + text + "' is not a FHIR dateTime (e.g. 2026-07-01 or 2026-07-01T00:00:00Z)",
                    where);
        }
    }

    private static int index(Parameters p, String name) {
        for (int i = 0; i < p.getParameter().size(); i++) {
            if (name.equals(p.getParameter().get(i).getName())) {
                return i;
            }
        }
        return -1;
    }
}
