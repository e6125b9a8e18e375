package org.e2guard.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.PerformanceOptionsEnum;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The one FhirContext of the service. A FhirContext is expensive (about a second to build its model) and thread-safe; parsers are cheap and are not.
 */
@ApplicationScoped
public class FhirSupport {

    /** Builds the R4 context the way every door of the service needs it. */
    public static FhirContext newContext() {
        FhirContext ctx = FhirContext.forR4();
        ctx.setPerformanceOptions(PerformanceOptionsEnum.DEFERRED_MODEL_SCANNING);
        // Keep each resource's own id: by default HAPI replaces it with the entry's fullUrl,
        // which turns Patient "p1" of a transaction bundle into "urn:uuid:...".
        ctx.getParserOptions().setOverrideResourceIdWithBundleEntryFullUrl(false);
        ctx.getParserOptions().setStripVersionsFromReferences(false);
        // e2guard's output refers to resources by string only; scanning every reference for
        // contained targets on encode costs a quarter of the encoding time for nothing
        ctx.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
        return ctx;
    }

    @Produces
    @Singleton
    @Startup
    FhirContext fhirContext() {
        FhirContext ctx = newContext();
        // pay the model-scanning cost before the first request, but beside the rest of the
        // start-up rather than in its way (the context is thread-safe; a request that comes
        // first scans what it needs itself, and readiness warms every type e2guard reads)
        Thread warm = new Thread(() -> ctx.newJsonParser().parseResource("{\"resourceType\":\"Bundle\",\"type\":\"collection\"}"),
                "e2guard-fhir-warm-up");
        warm.setDaemon(true);
        warm.start();
        return ctx;
    }
}
