package org.e2guard.outbox;

import org.e2guard.ehr.CircuitBreaker;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The EHR circuit breakers' settings, which live with the outbox work they gate ({@code e2guard.writeback.breaker-*}). */
@ApplicationScoped
class BreakerSettings {
    @Produces
    @Singleton
    CircuitBreaker.Settings settings(WritebackConfig config) {
        return new CircuitBreaker.Settings(config.breakerFailureThreshold(), config.breakerOpenDuration());
    }
}
