package org.e2guard.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.stream.Collectors;

import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;

/** Assertions on FHIR validation results that print every offending message. */
public final class ValidationAssertions {
    private ValidationAssertions() {
    }

    public static List<SingleValidationMessage> errors(ValidationResult result) {
        return result.getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .toList();
    }

    public static void assertNoErrors(ValidationResult result, String what) {
        List<SingleValidationMessage> errors = errors(result);
        if (!errors.isEmpty()) {
            fail(what + " is not valid:\n" + describe(errors));
        }
    }

    /** Fails unless some error message contains {@code expected}; returns the errors. */
    public static List<SingleValidationMessage> assertError(ValidationResult result, String expected, String what) {
        List<SingleValidationMessage> errors = errors(result);
        if (errors.stream().noneMatch(m -> m.getMessage().contains(expected))) {
            fail(what + " should fail validation with an error about '" + expected + "'; errors were:\n" + describe(errors));
        }
        return errors;
    }

    static String describe(List<SingleValidationMessage> messages) {
        return messages.stream().map(m -> "  " + m.getSeverity() + " " + m.getLocationString() + ": " + m.getMessage())
                .collect(Collectors.joining("\n"));
    }
}
