package org.e2guard.subscription;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How e2guard subscribes to EHR changes and receives their notifications. */
@ConfigMapping(prefix = "e2guard.subscription")
public interface SubscriptionConfig {

    /**
     * e2guard's public base URL as the EHR can reach it, e.g. {@code https://e2guard.example.org}.
     * Subscriptions point at {@code <public-url>/ehr-notifications/<ehr>}. Required for push.
     */
    Optional<String> publicUrl();

    /** The header that carries each EHR's notification secret ({@code e2guard.ehr.<name>.push.secret}). */
    @WithDefault("X-E2guard-Secret")
    String secretHeader();

    /** How often the scheduler checks whether a subscription check or catch-up sync is due. */
    @WithDefault("15s")
    Duration tick();

    /** How often e2guard makes sure its Subscriptions exist and are active on each EHR. */
    @WithDefault("10m")
    Duration registrarInterval();

    /**
     * Notifications for one patient arriving within this time are coalesced into a single
     * evaluation (a burst of lab results, a medication list saved line by line).
     */
    @WithDefault("2s")
    Duration debounce();

    /** Largest notification body accepted (larger: 413). */
    @WithDefault("5M")
    MemorySize maxNotificationSize();
}
