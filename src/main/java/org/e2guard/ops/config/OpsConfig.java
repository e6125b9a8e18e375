package org.e2guard.ops.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the service reports on itself to the people who run it (logs; metrics and health need no settings). */
@ConfigMapping(prefix = "e2guard.ops")
public interface OpsConfig {
    /**
     * Log one INFO line per API request when it completes: method, route template (never the raw
     * path or query), status, duration and the request id. Health and metrics requests
     * ({@code /q/*}) are never logged, so probes and scrapes do not flood the log.
     */
    @WithDefault("true")
    boolean requestLog();
}
