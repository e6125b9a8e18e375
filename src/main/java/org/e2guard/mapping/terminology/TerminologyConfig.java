package org.e2guard.mapping.terminology;

import java.nio.file.Path;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Where a deployment keeps its own code lists. */
@ConfigMapping(prefix = "e2guard.terminology")
public interface TerminologyConfig {
    /**
     * A directory of FHIR ValueSet JSON files loaded after the published ones. A value set with
     * the URL of a published one adds its codes to it (local lab or pharmacy codes, say); one with
     * a new URL is loaded as is.
     */
    Optional<Path> extraValueSets();
}
