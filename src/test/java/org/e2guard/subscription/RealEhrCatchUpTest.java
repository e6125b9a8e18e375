package org.e2guard.subscription;

import static org.e2guard.subscription.EhrTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.ehr.jpa.HapiJpaEhrResource;
import org.e2guard.outbox.Outbox;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Against the real EHR (HAPI FHIR's JPA server): the catch-up sync runs when a replica starts and
 * when the EHR comes back after an outage, not only on its interval (1 h here); and a replica whose
 * public URL differs from the one the EHR's e2guard Subscriptions notify says so.
 */
@QuarkusTest
@WithTestResource(HapiJpaEhrResource.class)
class RealEhrCatchUpTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @ConfigProperty(name = "e2guard.test.real-ehr-base", defaultValue = "http://127.0.0.1:1/fhir")
    String ehrBase;
    @Inject
    EhrRegistry ehrs;
    @Inject
    Outbox outbox;
    @Inject
    SyncStateStore state;
    @Inject
    SubscriptionConfig config;
    @Inject
    Clock clock;
    @Inject
    SubscriptionRegistrar registrar;

    Ehr main;

    @BeforeEach
    void setUp() {
        main = ehrs.find(HapiJpaEhrResource.EHR).orElseThrow();
        await("the start-up catch-up sync", WAIT, () -> state.lastRun(HapiJpaEhrResource.EHR).isPresent());
    }

    @Test
    void aStartingReplicaSyncsAtOnceThoughTheLastSyncIsRecent() {
        Instant before = state.lastRun(HapiJpaEhrResource.EHR).orElseThrow();
        assertTrue(before.plus(main.syncInterval()).isAfter(clock.instant()), "by the interval alone no sync is due");
        // a replica starting now: its scheduler is new, the database's record is not
        SubscriptionScheduler restarted = new SubscriptionScheduler(ehrs, outbox, state, config, clock);
        restarted.tick();
        await("a catch-up sync after the start", WAIT, () -> state.lastRun(HapiJpaEhrResource.EHR).orElseThrow().isAfter(before));
    }

    @Test
    void theEhrComingBackAfterAnOutageTriggersASync() {
        Instant before = state.lastRun(HapiJpaEhrResource.EHR).orElseThrow();
        // the outage as the breaker sees it: the shared real EHR serves other test classes and is not
        // taken down; the breaker's own record of it (open, then closed by a good probe) is what counts
        for (int i = 0; i < 20 && !main.breaker().isOpen(); i++) {
            main.breaker().failure();
        }
        assertTrue(main.breaker().isOpen());
        main.breaker().success();
        await("a catch-up sync after the EHR is back", WAIT, () -> state.lastRun(HapiJpaEhrResource.EHR).orElseThrow().isAfter(before));
    }

    @Test
    void aReplicaWithAnotherPublicUrlSaysSo() {
        FhirContext ctx = FhirContext.forR4Cached();
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient ehr = ctx.newRestfulGenericClient(ehrBase);
        String other = "http://127.0.0.1:9/ehr-notifications/" + HapiJpaEhrResource.EHR;
        Subscription theirs = registrar.desired(main).get(0);
        theirs.getChannel().setEndpoint(other);
        IdType id = (IdType) ehr.create().resource(theirs).execute().getId();
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(String.valueOf(r.getMessage()) + " " + java.util.Arrays.toString(r.getParameters()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(SubscriptionRegistrar.class.getName());
        log.addHandler(capture);
        try {
            List<SubscriptionRegistrar.Outcome> outcomes = registrar.ensure(main);
            assertEquals(List.of(SubscriptionRegistrar.Outcome.UNCHANGED, SubscriptionRegistrar.Outcome.UNCHANGED,
                    SubscriptionRegistrar.Outcome.UNCHANGED, SubscriptionRegistrar.Outcome.UNCHANGED), outcomes,
                    "this replica's own Subscriptions stay as they are");
            assertTrue(registrar.otherEndpoints(HapiJpaEhrResource.EHR).contains(other));
            String ours = registrar.endpoint(main);
            assertTrue(warnings.stream().anyMatch(w -> w.contains(other) && w.contains(ours)),
                    () -> "a warning naming both URLs: " + warnings);
            assertEquals(other, ehr.read().resource(Subscription.class).withId(id.toUnqualifiedVersionless()).execute()
                    .getChannel().getEndpoint(), "another deployment's Subscription is left alone");
        } finally {
            log.removeHandler(capture);
            ehr.delete().resourceById(id.toUnqualifiedVersionless()).execute();
        }
    }
}
