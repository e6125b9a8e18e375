package org.e2guard.validation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The FHIR validator behind {@code POST /fhir/$validate}. */
@ConfigMapping(prefix = "e2guard.validation")
public interface ValidationConfig {
    /**
     * Build and warm the FHIR validator at start-up, on a background thread (it reads the whole
     * R4 specification: several seconds of CPU, about 200 MB of heap kept), so that the first
     * {@code $validate} does not wait for it. With {@code false} it is built on the first
     * {@code $validate} instead, which then waits: a deployment that never validates saves
     * the memory. Request bodies are limited by {@code e2guard.evaluate.max-body-size}.
     */
    @WithDefault("true")
    boolean warmUp();
}
