package org.e2guard.evaluation;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of the FHIR operations ({@code $evaluate}, {@code $validate}, {@code Patient/{id}/$evaluate}). */
@ConfigMapping(prefix = "e2guard.evaluate")
public interface EvaluateConfig {
    /**
     * Largest request body any FHIR operation accepts; larger ones get 413. Keep {@code quarkus.http.limits.max-body-size}
     * above it so that the service, not the HTTP layer, answers with an OperationOutcome.
     */
    @WithDefault("256M")
    MemorySize maxBodySize();
}
