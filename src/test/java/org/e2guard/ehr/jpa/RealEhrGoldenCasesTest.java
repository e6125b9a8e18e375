package org.e2guard.ehr.jpa;

import static org.e2guard.subscription.EhrTestSupport.await;
import static org.e2guard.subscription.EhrTestSupport.drain;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.e2guard.outbox.OutboxWorkers;
import org.e2guard.outbox.WritebackConfig;
import org.e2guard.platform.FakeClock;
import org.e2guard.subscription.PatientQueue;
import org.e2guard.testing.GoldenCases;
import org.e2guard.testing.GoldenCases.Case;
import org.e2guard.testing.GoldenCases.Finding;
import org.e2guard.testing.GoldenCases.Shown;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.util.FhirTerser;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The third door of the golden cases (after {@code $evaluate} and CDS Hooks): every case, built-in
 * and of {@code -De2guard.cases.dir}, filed in a real EHR (HAPI FHIR's JPA server), evaluated on
 * the EHR path (context fetched from the EHR, write-back through the outbox) at the case's asOf,
 * and its DetectedIssues read back from the EHR: exactly the expected findings per patient, each
 * carrying the actions and texts {@code expected.json} asks for.
 *
 * <p>Every case names its patient {@code p1}: each case's resources are filed under ids of their
 * own ({@code gcNNN-} before the id, every reference rewritten to match) and the findings read
 * back are named by the case's ids again before they are compared.
 *
 * <p>The clock is stopped at asOf while the cases are filed and evaluated, so that every
 * evaluation of their patients happens then, those the EHR's own notifications queue included
 * (they arrive asynchronously, and one arriving late would otherwise re-evaluate its patient at
 * today's date). The workers are stopped and the outbox is drained on the test thread: when the
 * drain returns, every requested evaluation has been written back.
 */
@QuarkusTest
@WithTestResource(HapiJpaEhrResource.class)
class RealEhrGoldenCasesTest {
    /** Cases go in transactions of about this many entries: fewer round trips, none near a timeout. */
    static final int ENTRIES_PER_TRANSACTION = 100;
    static final String DOOR = "patient-evaluate";
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "e2guard.test.real-ehr-base", defaultValue = "http://127.0.0.1:1/fhir")
    String ehrBase;
    @Inject
    OutboxWorkers workers;
    @Inject
    WritebackConfig writebackConfig;
    @Inject
    FakeClock clock;
    @Inject
    PatientQueue patients;

    /** One case as filed: its resources under the case's own ids, and its patients' ids both ways. */
    record Filed(Case golden, List<Resource> resources, Map<String, String> patientIds) {
        /** The finding as the case names it ({@code Patient/p1}, not the id it was filed under). */
        Shown asInCase(Shown s) {
            Finding f = s.finding();
            String original = "Patient/" + patientIds.get(f.patient().substring("Patient/".length()));
            return new Shown(new Finding(original, f.rule(), f.severity()), s.actions(), s.summary(), s.detail());
        }
    }

    @Test
    void everyCaseFiledInTheEhrComesBackWithItsFindingsAndWhatTheySay() {
        RealEhr ehr = new RealEhr(ehrBase);
        // the Subscriptions are what deliver the notifications whose evaluations the stopped clock pins to asOf
        await("e2guard's four Subscriptions active on the EHR", Duration.ofSeconds(90), () -> {
            List<Subscription> subs = ehr.subscriptions();
            return subs.size() == 4 && subs.stream().allMatch(s -> s.getStatus() == Subscription.SubscriptionStatus.ACTIVE);
        });
        List<Case> cases = GoldenCases.all();
        Map<Instant, List<Filed>> byAsOf = new TreeMap<>();
        List<String> unfileable = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Filed f = filed(ehr, c, "gc%03d".formatted(i));
            if (f.patientIds().values().containsAll(c.expectedFindings().stream()
                    .map(x -> x.patient().substring("Patient/".length())).toList())) {
                byAsOf.computeIfAbsent(Instant.parse(c.asOf()), k -> new ArrayList<>()).add(f);
            } else {
                // a chart without its Patient resource (x34) cannot be filed: the EHR refuses a subject
                // that does not exist (HAPI-1094), and the EHR path starts from the Patient it holds
                unfileable.add(c.toString());
            }
        }

        long start = System.nanoTime();
        long filing = 0;
        long evaluating = 0;
        List<Executable> checks = new ArrayList<>();
        workers.stop();
        try {
            for (Map.Entry<Instant, List<Filed>> group : byAsOf.entrySet()) {
                Instant asOf = group.getKey();
                clock.stopAt(asOf);
                long t0 = System.nanoTime();
                file(ehr, group.getValue());
                long t1 = System.nanoTime();
                for (Filed f : group.getValue()) {
                    f.patientIds().keySet().forEach(id -> patients.requested(HapiJpaEhrResource.EHR, id, DOOR, asOf));
                }
                drain(workers);
                long t2 = System.nanoTime();
                filing += t1 - t0;
                evaluating += t2 - t1;
                // read back before the clock moves on: a late notification's row, due just after this
                // asOf, would then come due and evaluate these patients at another instant
                for (Filed f : group.getValue()) {
                    List<Shown> shown = readBack(ehr, f);
                    checks.add(() -> {
                        f.golden().assertFindings(shown.stream().map(Shown::finding).toList());
                        f.golden().assertContent(shown);
                    });
                }
            }
        } finally {
            clock.run();
            workers.start(writebackConfig.workers());
        }
        long wall = System.nanoTime() - start;
        System.out.printf("RealEhrGoldenCasesTest: %d cases (not fileable without their Patient: %s), %d patients,"
                        + " %d resources: filed in %d ms, evaluated and written back in %d ms, %d ms in all%n",
                cases.size() - unfileable.size(), unfileable,
                byAsOf.values().stream().flatMap(List::stream).mapToInt(f -> f.patientIds().size()).sum(),
                byAsOf.values().stream().flatMap(List::stream).mapToInt(f -> f.resources().size()).sum(),
                filing / 1_000_000, evaluating / 1_000_000, wall / 1_000_000);
        assertFalse(checks.isEmpty(), "no golden cases");
        assertTrue(unfileable.size() <= 1, "only x34 lacks its Patient resource: " + unfileable);
        assertAll(checks);
    }

    /** Every DetectedIssue the EHR holds for the case's patients, named as in the case. */
    private static List<Shown> readBack(RealEhr ehr, Filed f) {
        List<Shown> out = new ArrayList<>();
        for (String id : f.patientIds().keySet()) {
            for (DetectedIssue di : ehr.issues(id)) {
                JsonNode json = parse(ehr.ctx.newJsonParser().encodeResourceToString(di));
                out.add(f.asInCase(GoldenCases.shownDetectedIssue(json)));
            }
        }
        return out;
    }

    /** The resources of every case, in transactions of about {@value #ENTRIES_PER_TRANSACTION} entries. */
    private static void file(RealEhr ehr, List<Filed> cases) {
        List<Resource> batch = new ArrayList<>();
        for (Filed f : cases) {
            if (!batch.isEmpty() && batch.size() + f.resources().size() > ENTRIES_PER_TRANSACTION) {
                ehr.post(batch);
                batch = new ArrayList<>();
            }
            batch.addAll(f.resources());
        }
        if (!batch.isEmpty()) {
            ehr.post(batch);
        }
    }

    /**
     * The case's resources under ids of its own: {@code TAG-} before each id (for a resource known
     * only by its {@code urn:uuid:} fullUrl, before the uuid), and every reference to one of them,
     * by {@code Type/id} or by fullUrl, rewritten to match.
     */
    static Filed filed(RealEhr ehr, Case c, String tag) {
        Map<String, String> references = new HashMap<>();
        Map<String, String> patientIds = new LinkedHashMap<>();
        List<Resource> resources = new ArrayList<>();
        for (JsonNode entry : parse(c.bundle()).path("entry")) {
            // each resource parsed alone: HAPI's Bundle parser would make a urn:uuid fullUrl its id
            Resource r = (Resource) ehr.ctx.newJsonParser().parseResource(entry.get("resource").toString());
            String fullUrl = entry.path("fullUrl").asText("");
            String old = r.getIdElement().hasIdPart() ? r.getIdElement().getIdPart()
                    : fullUrl.substring(fullUrl.lastIndexOf(fullUrl.startsWith("urn:uuid:") ? ':' : '/') + 1);
            String id = tag + "-" + old;
            r.setId(id);
            String to = r.fhirType() + "/" + id;
            references.put(r.fhirType() + "/" + old, to);
            if (!fullUrl.isEmpty()) {
                references.put(fullUrl, to);
            }
            if ("Patient".equals(r.fhirType())) {
                patientIds.put(id, old);
            }
            resources.add(r);
        }
        FhirTerser terser = ehr.ctx.newTerser();
        for (Resource r : resources) {
            for (Reference ref : terser.getAllPopulatedChildElementsOfType(r, Reference.class)) {
                String to = references.get(ref.getReference());
                if (to != null) {
                    ref.setReference(to);
                }
            }
        }
        return new Filed(c, resources, patientIds);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
