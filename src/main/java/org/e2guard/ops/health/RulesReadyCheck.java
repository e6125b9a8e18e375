package org.e2guard.ops.health;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.e2guard.evaluation.EvaluationService;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;
import org.hl7.fhir.r4.model.Bundle;

import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/**
 * Ready (and started) when e2guard can evaluate: the FHIR model is built and parses, every code
 * list the rules read is loaded, and the rules engine is constructed from the configured
 * thresholds. Resolving the beans here also pays their start-up cost before the pod receives
 * traffic, instead of on the first clinical request.
 *
 * <p>Deliberately NOT part of readiness: the EHR. A down EHR must not stop CDS Hooks and
 * $evaluate, which need nothing from it, and a readiness check on a dependency shared by every
 * replica would take them all out of service at once (see docs/OPERATIONS.md).
 */
@Readiness
@Startup
@ApplicationScoped
public class RulesReadyCheck implements HealthCheck {
    static final String NAME = "e2guard-rules";

    /**
     * The resource types e2guard reads and writes. HAPI scans each type's model on first use
     * (about a second for the first request otherwise); parsing and encoding one of each here,
     * once, moves that cost before the pod is ready.
     */
    static final String WARM_UP = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
            + Stream.of("Patient", "Observation", "DiagnosticReport", "Condition", "Medication", "MedicationStatement",
                    "MedicationRequest", "MedicationAdministration", "MedicationDispense", "Procedure", "DetectedIssue",
                    "Flag", "Device", "Provenance", "OperationOutcome", "Parameters")
            .map(t -> "{\"resource\":{\"resourceType\":\"" + t + "\"}}").collect(Collectors.joining(","))
            + "]}";

    private final AtomicBoolean warm = new AtomicBoolean();

    private final Instance<FhirContext> fhir;
    private final Instance<Terminology> terminology;
    private final Instance<EvaluationService> evaluation;

    public RulesReadyCheck(Instance<FhirContext> fhir, Instance<Terminology> terminology,
                           Instance<EvaluationService> evaluation) {
        // Instance, not direct injection: a broken code list (say a bad extra value set) must
        // show as DOWN with a reason, not as a bean that fails to construct
        this.fhir = fhir;
        this.terminology = terminology;
        this.evaluation = evaluation;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named(NAME);
        try {
            FhirContext ctx = fhir.get();
            Bundle parsed = ctx.newJsonParser().parseResource(Bundle.class,
                    warm.get() ? "{\"resourceType\":\"Bundle\",\"type\":\"collection\"}" : WARM_UP);
            if (parsed.getType() != Bundle.BundleType.COLLECTION) {
                return r.down().withData("fhir", "model does not parse").build();
            }
            if (!warm.get()) {
                ctx.newJsonParser().encodeResourceToString(parsed);
                ctx.newXmlParser().encodeResourceToString(parsed);
                warm.set(true);
            }
            Set<String> missing = new TreeSet<>(ValueSetLoader.PUBLISHED);
            missing.removeAll(terminology.get().valueSets());
            if (!missing.isEmpty()) {
                return r.down().withData("missingValueSets", String.join(",", missing)).build();
            }
            evaluation.get().mapper();
            return r.up().withData("valueSets", terminology.get().valueSets().size()).build();
        } catch (RuntimeException e) {
            // the exception class only: messages of parse errors can quote their input
            return r.down().withData("error", e.getClass().getName()).build();
        }
    }
}
