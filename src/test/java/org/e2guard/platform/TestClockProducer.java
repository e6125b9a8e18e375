package org.e2guard.platform;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * In the Quarkus test application, "now" is a {@link FakeClock} (running with the system clock
 * until a test moves it), replacing {@link ClockProducer}'s system clock for every bean that
 * injects {@link java.time.Clock}. A test injects {@code FakeClock} to move it.
 */
public class TestClockProducer {
    @Produces
    @Singleton
    @Alternative
    @Priority(1)
    FakeClock clock() {
        return FakeClock.running();
    }
}
