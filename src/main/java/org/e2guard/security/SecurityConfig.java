package org.e2guard.security;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who may call the endpoints that carry patient data ($evaluate, the admin API). */
@ConfigMapping(prefix = "e2guard.security")
public interface SecurityConfig {
    /**
     * Bearer tokens accepted on the patient-data endpoints (comma-separated; from a Secret in
     * production). Compare as {@code Authorization: Bearer <key>}.
     */
    Optional<List<String>> apiKeys();

    /**
     * Serve patient-data endpoints without authentication. Only for the zero-set-up run on a
     * developer machine; the service says so loudly at start-up.
     */
    @WithDefault("false")
    boolean allowAnonymous();
}
