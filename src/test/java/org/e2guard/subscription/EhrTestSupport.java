package org.e2guard.subscription;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.e2guard.ehr.testserver.EhrTestResource;
import org.e2guard.outbox.OutboxWorkers;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.SimpleRequestHeaderInterceptor;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;

/** The test's view of the test EHR: its FHIR API, its control endpoints, and e2guard's notification endpoint. */
public final class EhrTestSupport {
    public final FhirContext ctx = FhirContext.forR4Cached();
    public final String ehrBase;
    public final String control;
    public final String notifications;
    public final IGenericClient ehr;

    public EhrTestSupport(int ehrPort, String publicUrl) {
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        ehrBase = "http://localhost:" + ehrPort + "/fhir";
        control = "http://localhost:" + ehrPort + "/control";
        notifications = publicUrl + "/ehr-notifications/main";
        ehr = ctx.newRestfulGenericClient(ehrBase);
    }

    /** Loads resources into the EHR under their own ids, without subscription delivery. */
    public void seed(List<? extends Resource> resources) {
        seed(resources, "main");
    }

    public void seed(List<? extends Resource> resources, String base) {
        given().contentType("application/fhir+json").body(ctx.newJsonParser().encodeResourceToString(Fixtures.bundle(resources)))
                .post(control + "/load?notify=false&base=" + base).then().statusCode(200);
    }

    public void down(boolean on) {
        given().post(control + "/down?on=" + on).then().statusCode(200);
    }

    public void delivery(boolean on) {
        given().post(control + "/delivery?on=" + on).then().statusCode(200);
    }

    public long stat(String name) {
        return given().get(control + "/stats").then().statusCode(200).extract().jsonPath().getLong(name);
    }

    /** A client that delivers to e2guard exactly as HAPI FHIR's rest-hook does (with the secret header). */
    public IGenericClient notifier() {
        IGenericClient n = ctx.newRestfulGenericClient(notifications);
        n.registerInterceptor(new SimpleRequestHeaderInterceptor("X-E2guard-Secret: " + EhrTestResource.SECRET));
        return n;
    }

    public <T extends Resource> List<T> search(Class<T> type, String patientParam, String pid) {
        Bundle b = ehr.search().forResource(type).where(new ReferenceClientParam(patientParam).hasId("Patient/" + pid))
                .count(200).returnBundle(Bundle.class).execute();
        List<T> out = new ArrayList<>();
        b.getEntry().forEach(e -> out.add(type.cast(e.getResource())));
        return out;
    }

    public List<DetectedIssue> issues(String pid) {
        return search(DetectedIssue.class, "patient", pid);
    }

    public List<Flag> flags(String pid) {
        return search(Flag.class, "subject", pid);
    }

    public List<Provenance> provenances() {
        Bundle b = ehr.search().forResource(Provenance.class).count(200).returnBundle(Bundle.class).execute();
        List<Provenance> out = new ArrayList<>();
        while (true) {
            b.getEntry().forEach(e -> out.add((Provenance) e.getResource()));
            if (b.getLink("next") == null) {
                return out;
            }
            b = ehr.loadPage().next(b).execute();
        }
    }

    /**
     * Runs every due outbox row on the calling thread (with the workers stopped): afterwards the
     * service is at a known quiescent point, where a check that something did not happen means it.
     */
    public static void drain(OutboxWorkers workers) {
        for (int i = 0; i < 10_000; i++) {
            if (!workers.runOne()) {
                return;
            }
        }
        fail("the outbox never ran dry: a row keeps coming due at once");
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // the EHR may be down on purpose; keep waiting
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
        fail("timed out after " + timeout + " waiting for " + what);
    }
}
