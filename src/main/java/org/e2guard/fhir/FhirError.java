package org.e2guard.fhir;

import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * A client error to answer with an OperationOutcome and an HTTP status. The message goes to the
 * client; it must not be logged when it may quote the client's (patient) data.
 */
public class FhirError extends RuntimeException {
    private final int status;
    private final OperationOutcome.IssueType type;
    private final String expression;

    public FhirError(int status, OperationOutcome.IssueType type, String message, String expression) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.expression = expression;
    }

    public static FhirError invalid(String message, String expression) {
        return new FhirError(400, OperationOutcome.IssueType.INVALID, message, expression);
    }

    public int status() {
        return status;
    }

    /** Where in the input the error is (a FHIRPath expression or a parameter name), or null. */
    public String expression() {
        return expression;
    }

    public OperationOutcome outcome() {
        OperationOutcome oo = new OperationOutcome();
        OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue()
                .setSeverity(status >= 500 ? OperationOutcome.IssueSeverity.FATAL : OperationOutcome.IssueSeverity.ERROR)
                .setCode(type)
                .setDiagnostics(getMessage());
        issue.getDetails().setText(getMessage());
        if (expression != null) {
            issue.addExpression(expression);
        }
        return oo;
    }
}
