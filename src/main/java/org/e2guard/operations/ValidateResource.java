package org.e2guard.operations;

import java.io.InputStream;

import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirInput;
import org.e2guard.fhir.FhirResponses;
import org.e2guard.validation.FhirValidation;
import org.e2guard.validation.FhirValidationOutcome;
import org.e2guard.validation.InputReview;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.jboss.logging.Logger;

import ca.uhn.fhir.validation.ValidationResult;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /fhir/$validate}: lets an integrator check an input before sending it to
 * {@code $evaluate}. One OperationOutcome combines the FHIR validator's view (the base R4
 * specification) and e2guard's (what its rules would read and ignore, and why). As with FHIR's
 * own {@code $validate}, the answer is 200 whenever the input could be checked; the severities
 * say whether it is good. Same body forms, formats, size limit and API key as {@code $evaluate}.
 */
@Path("/fhir")
public class ValidateResource {
    private static final Logger LOG = Logger.getLogger(ValidateResource.class);

    @Inject
    FhirValidation validation;
    @Inject
    InputReview review;
    @Inject
    FhirResponses responses;
    @Inject
    OperationInput input;

    @POST
    @Path("{operation: \\$validate|%24validate}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Check an input Bundle: FHIR validation plus what e2guard would read and ignore")
    public Response validate(@BeanParam OperationRequest request, InputStream body) {
        FhirFormat out = input.responseFormat(request);
        try {
            byte[] bytes = input.bytes(request, body);
            String text = FhirInput.text(bytes);
            // the evaluation time $evaluate would be given in the query: refused the same way
            input.asOf(request, null);
            OperationOutcome oo = new OperationOutcome();

            long start = System.nanoTime();
            FhirValidationOutcome.Counts counts;
            try {
                ValidationResult result = validation.validator().validate(text);
                counts = FhirValidationOutcome.add(result, oo);
            } catch (RuntimeException e) {
                // the validator's own parsers throw on text that is not well-formed JSON or XML
                // (Gson, XML and HAPI exceptions alike); the parse below says what is wrong
                counts = new FhirValidationOutcome.Counts(1, 0, 0);
                OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue()
                        .setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.STRUCTURE);
                issue.getDetails().setText("The FHIR validator cannot read the body as FHIR JSON or XML (" + e.getClass().getSimpleName() + ")");
                issue.addExtension(FhirValidationOutcome.EXT_ISSUE_SOURCE, new StringType(FhirValidationOutcome.SOURCE));
            }

            IBaseResource parsed = null;
            try {
                parsed = input.parse(request, bytes);
            } catch (FhirError e) {
                OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue()
                        .setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.STRUCTURE);
                issue.getDetails().setText("e2guard cannot read this input, so $evaluate would reject it: " + e.getMessage());
                issue.addExtension(FhirValidationOutcome.EXT_ISSUE_SOURCE, new StringType(InputReview.SOURCE));
            }
            if (parsed instanceof Parameters p) {
                // an asOf in the body is part of the input under review: reported, as $evaluate would refuse it
                try {
                    OperationInput.asOf(p);
                } catch (FhirError e) {
                    OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue()
                            .setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.INVALID);
                    issue.getDetails().setText("$evaluate would reject this input: " + e.getMessage());
                    issue.addExpression(e.expression());
                    issue.addExtension(FhirValidationOutcome.EXT_ISSUE_SOURCE, new StringType(InputReview.SOURCE));
                }
            }
            InputReview.Summary summary = parsed == null ? null : review.review(parsed, oo);
            // counts and timing only: never the content
            LOG.debugf("$validate: %d bytes, %d error(s), %d warning(s), %d patient(s), %d ms", bytes.length,
                    counts.errors(), counts.warnings(), summary == null ? 0 : summary.patients(),
                    (System.nanoTime() - start) / 1_000_000);
            return responses.ok(oo, out, request.pretty());
        } catch (FhirError e) {
            return responses.error(e, out);
        }
    }
}
