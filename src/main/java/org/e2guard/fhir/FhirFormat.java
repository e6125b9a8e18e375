package org.e2guard.fhir;

import java.util.Locale;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;

/** The two FHIR wire formats, with the media types and {@code _format} values that select them. */
public enum FhirFormat {
    JSON("application/fhir+json"),
    XML("application/fhir+xml");

    private final String mediaType;

    FhirFormat(String mediaType) {
        this.mediaType = mediaType;
    }

    public String mediaType() {
        return mediaType;
    }

    public String contentType() {
        return mediaType + ";charset=UTF-8";
    }

    public IParser parser(FhirContext ctx) {
        IParser parser = this == JSON ? ctx.newJsonParser() : ctx.newXmlParser();
        // decided per parser, HAPI skips looking up auto-versioning meta extensions for every
        // reference it writes, a fifth of the encoding time of a large result
        return parser.setStripVersionsFromReferences(false);
    }

    /** The format of a Content-Type or _format value, or null when it is not a FHIR format. */
    public static FhirFormat of(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        String t = mediaType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "application/fhir+json", "application/json", "application/json+fhir", "json", "text/json" -> JSON;
            case "application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml", "xml" -> XML;
            default -> null;
        };
    }

    /**
     * {@link #negotiate}, as every FHIR endpoint of the service answers it: a 406
     * OperationOutcome when the client accepts no FHIR format.
     */
    public static FhirFormat forResponse(String format, String accept, FhirFormat request) {
        FhirFormat out = negotiate(format, accept, request);
        if (out == null) {
            throw new FhirError(406, org.hl7.fhir.r4.model.OperationOutcome.IssueType.NOTSUPPORTED,
                    "Cannot produce any of the accepted media types; accept application/fhir+json or application/fhir+xml",
                    null);
        }
        return out;
    }

    /**
     * The response format: {@code _format} wins, then the first FHIR type in Accept (a wildcard
     * keeps the request's format); null when Accept admits no FHIR format.
     */
    public static FhirFormat negotiate(String format, String accept, FhirFormat request) {
        if (format != null && !format.isBlank()) {
            return of(format);
        }
        if (accept == null || accept.isBlank()) {
            return request;
        }
        FhirFormat best = null;
        double bestQ = -1;
        for (String part : accept.split(",")) {
            String[] params = part.split(";");
            String type = params[0].trim().toLowerCase(Locale.ROOT);
            double q = 1.0;
            for (int i = 1; i < params.length; i++) {
                String p = params[i].trim();
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            FhirFormat f = type.equals("*/*") || type.equals("application/*") ? request : of(type);
            if (f != null && q > 0 && q > bestQ) {
                best = f;
                bestQ = q;
            }
        }
        return best;
    }
}
