package org.e2guard.validation;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.e2guard.conformance.ProfileValidator;
import org.e2guard.mapping.output.FindingResources;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The service's one FHIR validator ({@link ProfileValidator}): built once, shared by every
 * request (it is thread-safe). It reads the whole R4 specification and keeps several hundred MB,
 * which a service that mostly evaluates should not carry, so it is built when the first
 * {@code $validate} needs it (or warmed at start-up with {@code e2guard.validation.warm-up}), on a
 * background thread that every early caller waits for instead of starting another. It is never
 * released: HAPI keeps the loaded definitions reachable after the validator is dropped
 * (docs/PERFORMANCE.md, "Validation"), so a release would free little and a rebuild cost again.
 */
@ApplicationScoped
public class FhirValidation {
    private static final Logger LOG = Logger.getLogger(FhirValidation.class);

    @Inject
    FhirContext ctx;
    @Inject
    ValidationConfig config;

    private CompletableFuture<ProfileValidator> validator;

    void onStart(@Observes StartupEvent event) {
        if (config.warmUp()) {
            start();
        }
    }

    /** The validator; waits while it is being built (the first call builds it if nobody has). */
    public ProfileValidator validator() {
        try {
            return start().join();
        } catch (CompletionException e) {
            throw new IllegalStateException("the FHIR validator could not be built", e.getCause());
        }
    }

    /** Whether the validator is built and warm. */
    public boolean ready() {
        CompletableFuture<ProfileValidator> v = validator;
        return v != null && v.isDone() && !v.isCompletedExceptionally();
    }

    private synchronized CompletableFuture<ProfileValidator> start() {
        if (validator == null) {
            CompletableFuture<ProfileValidator> future = new CompletableFuture<>();
            validator = future;
            Thread builder = new Thread(() -> build(future), "e2guard-validator-warm-up");
            builder.setDaemon(true);
            builder.start();
        }
        return validator;
    }

    private void build(CompletableFuture<ProfileValidator> future) {
        long start = System.nanoTime();
        try {
            ProfileValidator v = ProfileValidator.build(ctx);
            // the first validation compiles the definitions it touches: pay it here
            v.validate(warmUpInput());
            LOG.infof("FHIR validator ready in %d ms", (System.nanoTime() - start) / 1_000_000);
            future.complete(v);
        } catch (RuntimeException | LinkageError e) {
            LOG.errorf("FHIR validator could not be built: %s", e.getClass().getName());
            future.completeExceptionally(e);
        }
    }

    /** A synthetic input (no patient data) touching the base spec, terminology and a profile. */
    private static Bundle warmUpInput() {
        Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
        Observation o = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        o.setId("warm-up");
        o.getCode().addCoding().setSystem("http://loinc.org").setCode("2243-4");
        o.setValue(new Quantity().setValue(20).setUnit("pg/mL").setSystem("http://unitsofmeasure.org").setCode("pg/mL"));
        b.addEntry().setFullUrl("urn:uuid:00000000-0000-0000-0000-000000000001").setResource(o);
        b.addEntry().setFullUrl("urn:uuid:00000000-0000-0000-0000-000000000002")
                .setResource(new FindingResources("warm-up").device());
        return b;
    }
}
