package org.e2guard.validation;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StringType;

import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;

/**
 * The FHIR validator's messages as OperationOutcome issues: errors and warnings, each with the
 * element (expression) and, where known, the line and column of the posted text. Information
 * messages (e.g. "unknown extension", allowed in FHIR) are only counted, to keep the answer
 * readable.
 */
public final class FhirValidationOutcome {
    /** R4's standard extension naming where an issue comes from. */
    public static final String EXT_ISSUE_SOURCE = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-source";
    public static final String SOURCE = "FHIR validator (R4 base specification, offline)";
    private static final Pattern UNKNOWN_SYSTEM = Pattern.compile("^CodeSystem is unknown and can't be validated: (\\S+) for ");

    private FhirValidationOutcome() {
    }

    /** Counts of what the validator reported. */
    public record Counts(int errors, int warnings, int information) {
    }

    public static Counts add(ValidationResult result, OperationOutcome oo) {
        int errors = 0;
        int warnings = 0;
        int information = 0;
        // offline, every LOINC/SNOMED/RxNorm coding draws the same warning: one issue per system
        Map<String, OperationOutcome.OperationOutcomeIssueComponent> unknownSystems = new HashMap<>();
        for (SingleValidationMessage m : result.getMessages()) {
            ResultSeverityEnum s = m.getSeverity();
            if (s == ResultSeverityEnum.INFORMATION) {
                information++;
                continue;
            }
            Matcher unknown = UNKNOWN_SYSTEM.matcher(m.getMessage());
            if (s == ResultSeverityEnum.WARNING && unknown.find()) {
                warnings++;
                String system = unknown.group(1);
                OperationOutcome.OperationOutcomeIssueComponent issue = unknownSystems.get(system);
                if (issue == null) {
                    issue = oo.addIssue().setSeverity(OperationOutcome.IssueSeverity.WARNING)
                            .setCode(OperationOutcome.IssueType.NOTSUPPORTED);
                    issue.addExtension(EXT_ISSUE_SOURCE, new StringType(SOURCE));
                    unknownSystems.put(system, issue);
                }
                if (m.getLocationString() != null) {
                    issue.addExpression(m.getLocationString());
                }
                int n = issue.getExpression().size();
                issue.getDetails().setText("Codes of " + system + " cannot be checked offline (" + n + " coding(s), "
                        + "at the expressions listed); e2guard matches them against its value sets as they are.");
                continue;
            }
            boolean error = s == ResultSeverityEnum.ERROR || s == ResultSeverityEnum.FATAL;
            if (error) {
                errors++;
            } else {
                warnings++;
            }
            OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue()
                    .setSeverity(s == ResultSeverityEnum.FATAL ? OperationOutcome.IssueSeverity.FATAL
                            : error ? OperationOutcome.IssueSeverity.ERROR : OperationOutcome.IssueSeverity.WARNING)
                    .setCode(error ? OperationOutcome.IssueType.INVALID : OperationOutcome.IssueType.PROCESSING);
            issue.getDetails().setText(m.getMessage());
            if (m.getLocationString() != null) {
                issue.addExpression(m.getLocationString());
            }
            if (m.getLocationLine() != null && m.getLocationLine() > 0) {
                issue.setDiagnostics("line " + m.getLocationLine()
                        + (m.getLocationCol() != null && m.getLocationCol() > 0 ? ", column " + m.getLocationCol() : ""));
            }
            issue.addExtension(EXT_ISSUE_SOURCE, new StringType(SOURCE));
        }
        OperationOutcome.OperationOutcomeIssueComponent summary = oo.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(OperationOutcome.IssueType.INFORMATIONAL);
        summary.getDetails().setText("FHIR validation against the R4 base specification: " + errors + " error(s), "
                + warnings + " warning(s)" + (information > 0 ? " (and " + information + " information message(s) not listed)" : "")
                + ". LOINC, SNOMED CT and RxNorm codes are not checked offline.");
        summary.addExtension(EXT_ISSUE_SOURCE, new StringType(SOURCE));
        return new Counts(errors, warnings, information);
    }
}
