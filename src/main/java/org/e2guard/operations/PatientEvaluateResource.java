package org.e2guard.operations;

import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrException;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.PatientContextFetcher;
import org.e2guard.engine.Notice;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirResponses;
import org.e2guard.mapping.output.EvaluationBundle;
import org.e2guard.subscription.PatientQueue;
import org.e2guard.subscription.PatientReevaluation;
import org.e2guard.subscription.ResourcePatientIndex;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;

import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /fhir/Patient/{id}/$evaluate} (also {@code %24evaluate}): evaluates one patient
 * straight from the EHR and answers with the same collection Bundle as {@code POST /fhir/$evaluate}.
 * Parameters, in the query or a Parameters body: {@code ehr} (required when several are
 * configured), {@code asOf} (default now) and {@code writeBack} (default false: with true the
 * findings are also queued for write-back to the EHR, through the same outbox as notifications).
 */
@Path("/fhir/Patient")
public class PatientEvaluateResource {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    static final String DOOR = "patient-evaluate";

    @Inject
    EhrRegistry ehrs;
    @Inject
    PatientContextFetcher fetcher;
    @Inject
    PatientReevaluation reevaluation;
    @Inject
    ResourcePatientIndex index;
    @Inject
    PatientQueue patients;
    @Inject
    FhirResponses responses;
    @Inject
    OperationInput input;
    @Inject
    Clock clock;

    @Inject
    EvaluationBundle output;

    @POST
    @Path("{id}/{operation: \\$evaluate|%24evaluate}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Evaluate one patient straight from the EHR, optionally writing the findings back")
    public Response evaluate(@PathParam("id") String id,
                             @QueryParam("ehr") String ehrParam,
                             @QueryParam("writeBack") String writeBackParam,
                             @BeanParam OperationRequest request,
                             InputStream body) {
        FhirFormat out = input.responseFormat(request);
        try {
            if (!ID.matcher(id).matches()) {
                throw FhirError.invalid("'" + id + "' is not a FHIR resource id", "Patient.id");
            }
            Parameters params = input.optionalParameters(request, body, "Patient/$evaluate").orElse(null);
            OperationInput.AsOf asOf = input.asOf(request, params);
            String ehrName = OperationInput.parameter(ehrParam, params, "ehr");
            boolean writeBack = bool(OperationInput.parameter(writeBackParam, params, "writeBack"));
            Ehr ehr = ehrs.resolve(ehrName).orElseThrow(() -> FhirError.invalid(ehrs.isEmpty()
                    ? "No EHR is configured (e2guard.ehr.<name>.base-url)"
                    : ehrName == null ? "Several EHRs are configured; name one with ?ehr=" : "No EHR named '" + ehrName + "'",
                    "ehr"));
            if (ehr.breaker().isOpen()) {
                throw new FhirError(503, OperationOutcome.IssueType.TRANSIENT,
                        "The EHR is unavailable (circuit breaker open); try again later", null);
            }
            Optional<PatientContextFetcher.Context> context;
            try {
                context = fetcher.fetch(ehr, id);
            } catch (EhrException e) {
                throw upstream(e);
            }
            if (context.isEmpty()) {
                throw new FhirError(404, OperationOutcome.IssueType.NOTFOUND, "Patient/" + id + " is not in the EHR", null);
            }
            index.record(ehr.name(), context.get().resources());
            PatientReevaluation.Evaluated e = reevaluation.evaluate(context.get(), asOf.instant(), DOOR);
            List<Notice> notices = new ArrayList<>(context.get().notices());
            notices.addAll(e.evaluation().notices());
            Bundle bundle = output.build(List.of(e.evaluation()), notices, clock.instant());
            if (writeBack) {
                patients.requested(ehr.name(), id, DOOR, asOf.requested() ? asOf.instant() : null);
                bundle.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                        .filter(r -> r instanceof OperationOutcome).map(r -> (OperationOutcome) r).findFirst()
                        .ifPresent(oo -> oo.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                                .setCode(OperationOutcome.IssueType.INFORMATIONAL)
                                .setDiagnostics("Write-back to EHR " + ehr.name() + " queued."));
            }
            return responses.ok(bundle, out, request.pretty());
        } catch (FhirError e) {
            return responses.error(e, out);
        }
    }

    private static FhirError upstream(EhrException e) {
        return switch (e.reason()) {
            case UNAVAILABLE -> new FhirError(503, OperationOutcome.IssueType.TRANSIENT,
                    "The EHR is unavailable: " + e.getMessage(), null);
            case AUTH -> new FhirError(502, OperationOutcome.IssueType.SECURITY,
                    "The EHR refused e2guard's credentials: " + e.getMessage(), null);
            default -> new FhirError(502, OperationOutcome.IssueType.EXCEPTION,
                    "The EHR could not answer the patient's searches: " + e.getMessage(), null);
        };
    }

    private static boolean bool(String s) {
        if (s == null || s.isBlank()) {
            return false;
        }
        return switch (s.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw FhirError.invalid("writeBack must be true or false", "writeBack");
        };
    }
}
