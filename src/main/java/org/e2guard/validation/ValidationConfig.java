package org.e2guard.validation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The FHIR validator behind {@code POST /fhir/$validate}. */
@ConfigMapping(prefix = "e2guard.validation")
public interface ValidationConfig {
    /**
     * Build and warm the FHIR validator at start-up, on a background thread, so that the first
     * {@code $validate} does not wait for it (it reads the whole R4 specification: several seconds
     * of CPU, several hundred MB of memory kept). Off by default: a service that evaluates keeps
     * its memory for evaluating, and the first {@code $validate} builds the validator and waits.
     * Request bodies are limited by {@code e2guard.evaluate.max-body-size}.
     */
    @WithDefault("false")
    boolean warmUp();
}
