package org.e2guard.conformance;

import java.util.List;

import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ValidationResult;

/**
 * HAPI's FHIR validator, fully offline: the R4 base specification
 * ({@link DefaultProfileValidationSupport}), in-memory terminology for code systems and value
 * sets that are enumerated (LOINC, SNOMED CT and RxNorm are NOT checked: the validator warns
 * that it cannot), the common code systems (UCUM, languages, MIME types...), and every
 * resource e2guard publishes, so that resources claiming e2guard's profiles are checked
 * against them. The published profiles carry their snapshots; snapshot generation stays in
 * the chain only for profiles a caller brings without one.
 * <p>
 * Building it reads the whole R4 specification and the first validation compiles much of it
 * (several seconds, hundreds of MB of heap): build one and share it. It is thread-safe.
 */
public final class ProfileValidator {
    private final ValidationSupportChain support;
    private final FhirValidator validator;

    private ProfileValidator(ValidationSupportChain support, FhirValidator validator) {
        this.support = support;
        this.validator = validator;
    }

    /** A validator that knows every resource of {@code fhir-profiles/} on the class path. */
    public static ProfileValidator build(FhirContext ctx) {
        return build(ctx, ConformanceResources.load(ctx));
    }

    public static ProfileValidator build(FhirContext ctx, List<ConformanceResources.Entry> published) {
        PrePopulatedValidationSupport e2guard = new PrePopulatedValidationSupport(ctx);
        for (ConformanceResources.Entry e : published) {
            e2guard.addResource(e.resource());
        }
        e2guard.addBinary(ConformanceResources.xverR5Paths(), ConformanceResources.XVER_R5_KEY);
        ValidationSupportChain chain = new ValidationSupportChain(
                new DefaultProfileValidationSupport(ctx),
                new CommonCodeSystemsTerminologyService(ctx),
                new InMemoryTerminologyServerValidationSupport(ctx),
                e2guard,
                new SnapshotGeneratingValidationSupport(ctx));
        FhirInstanceValidator module = new FhirInstanceValidator(chain);
        // dom-6 ("a resource should have narrative") on every input resource is noise to an
        // integrator; e2guard's outputs carry structured data, not narrative
        module.setBestPracticeWarningLevel(BestPracticeWarningLevel.Ignore);
        FhirValidator validator = ctx.newValidator();
        validator.registerValidatorModule(module);
        return new ProfileValidator(chain, validator);
    }

    /** Validates FHIR JSON or XML text (the format is detected). */
    public ValidationResult validate(String text) {
        return validator.validateWithResult(text);
    }

    public ValidationResult validate(IBaseResource resource) {
        return validator.validateWithResult(resource);
    }

    /** The validation support chain, e.g. to generate snapshots with the same definitions. */
    public IValidationSupport support() {
        return support;
    }
}
