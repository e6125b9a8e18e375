package org.e2guard.operations;

import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;

import org.e2guard.evaluation.EvaluateConfig;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirInput;
import org.e2guard.fhir.FhirResponses;
import org.e2guard.mapping.output.EvaluationBundle;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.mapping.record.FhirTime;
import org.e2guard.mapping.record.ResourceIndex;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /fhir/$evaluate}: a Bundle of one or many patients' records in, their findings out
 * as a collection Bundle. Also reachable as {@code /fhir/%24evaluate}, since clients differ in
 * whether they encode the dollar sign.
 */
@Path("/fhir")
public class EvaluateResource {

    @Inject
    FhirContext ctx;
    @Inject
    EvaluationService evaluation;
    @Inject
    FhirResponses responses;
    @Inject
    EvaluateConfig config;
    @Inject
    Clock clock;

    private EvaluationBundle output;

    @Inject
    void init(@ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        output = new EvaluationBundle(new FindingResources(version));
    }

    @POST
    @Path("{operation: \\$evaluate|%24evaluate}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Evaluate a Bundle of patient records against the e2guard rules")
    public Response evaluate(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                             @HeaderParam(HttpHeaders.ACCEPT) String accept,
                             @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
                             @QueryParam("asOf") String asOfParam,
                             @QueryParam("_format") String format,
                             @QueryParam("_pretty") boolean pretty,
                             InputStream body) {
        FhirFormat in = FhirFormat.of(contentType);
        FhirFormat out = FhirFormat.forResponse(format, accept, in == null ? FhirFormat.JSON : in);
        try {
            long max = config.maxBodySize().asLongValue();
            FhirInput.checkDeclaredLength(contentLength, max);
            IBaseResource resource = FhirInput.parse(ctx, in, body, max);
            Bundle bundle;
            String asOfText = asOfParam;
            if (resource instanceof Bundle b) {
                bundle = b;
            } else if (resource instanceof Parameters p) {
                bundle = FhirInput.bundleParameter(p);
                if (asOfText == null && p.getParameter("asOf") != null) {
                    asOfText = p.getParameter("asOf").getValue().primitiveValue();
                }
            } else {
                throw FhirError.invalid("Expected a Bundle, or a Parameters resource with a 'bundle' parameter, not "
                        + resource.fhirType(), resource.fhirType());
            }
            FhirInput.checkType(bundle);
            Instant asOf = asOf(asOfText);
            EvaluationService.Report report = evaluation.evaluate(ResourceIndex.of(bundle), asOf, "evaluate");
            return responses.ok(output.build(report.evaluations(), report.notices(), clock.instant()), out, pretty);
        } catch (FhirError e) {
            return responses.error(e, out);
        }
    }

    private Instant asOf(String text) {
        if (text == null || text.isBlank()) {
            return clock.instant();
        }
        try {
            DateTimeType t = new DateTimeType(text.trim());
            return FhirTime.instant(t);
        } catch (DataFormatException | IllegalArgumentException e) {
            throw FhirError.invalid("asOf '" + text + "' is not a FHIR dateTime (e.g. 2026-07-01 or 2026-07-01T00:00:00Z)",
                    "asOf");
        }
    }
}
