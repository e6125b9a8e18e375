package org.e2guard.operations;

import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;

import org.e2guard.evaluation.EvaluationService;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirResponses;
import org.e2guard.mapping.output.EvaluationBundle;
import org.eclipse.microprofile.openapi.annotations.Operation;

import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
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
    EvaluationService evaluation;
    @Inject
    FhirResponses responses;
    @Inject
    OperationInput input;
    @Inject
    Clock clock;

    @Inject
    EvaluationBundle output;

    @POST
    @Path("{operation: \\$evaluate|%24evaluate}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Evaluate a Bundle of patient records against the e2guard rules")
    public Response evaluate(@BeanParam OperationRequest request, InputStream body) {
        FhirFormat out = input.responseFormat(request);
        try {
            OperationInput.EvaluateBody in = input.evaluateBody(request, body);
            Instant asOf = input.asOf(request, in.body()).instant();
            EvaluationService.Report report = evaluation.evaluate(in.index(), asOf, "evaluate");
            return responses.ok(output.build(report.evaluations(), report.notices(), clock.instant()), out, request.pretty());
        } catch (FhirError e) {
            return responses.error(e, out);
        }
    }
}
