package org.e2guard.ehr.jpa;

import static org.e2guard.population.PopulationFixtures.AS_OF;
import static org.e2guard.population.PopulationFixtures.await;
import static org.e2guard.population.PopulationFixtures.baseline;
import static org.e2guard.population.PopulationFixtures.evaluateOneByOne;
import static org.e2guard.population.PopulationFixtures.findingsBySeverity;
import static org.e2guard.population.PopulationFixtures.kickOff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.e2guard.bench.SyntheticPatients;
import org.e2guard.mapping.output.RuleCounts;
import org.e2guard.mapping.output.RuleMeasureReport;
import org.e2guard.mapping.record.PatientGrouper;
import org.e2guard.population.TestPopulation;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The population dry run from a Bulk Data export that e2guard runs itself on a real EHR: HAPI
 * FHIR's JPA server, whose export is a batch2 job in the background, answered with 202 and
 * {@code Retry-After} until its manifest is ready, and whose files are Binary resources fetched
 * with the EHR's credentials. The counts must equal those of the same patients posted to
 * {@code $evaluate}. A Group export, because other test classes file patients in the same server.
 */
@QuarkusTest
@WithTestResource(HapiJpaEhrResource.class)
class RealEhrPopulationExportTest {
    static final int PATIENTS = 12;

    @ConfigProperty(name = "e2guard.test.real-ehr-base", defaultValue = "http://127.0.0.1:1/fhir")
    String ehrBase;

    @Test
    void countsFromTheEhrsExportEqualPostingEachPatientToEvaluate() throws Exception {
        Map<String, List<Resource>> patients = population();
        RealEhr ehr = new RealEhr(ehrBase);
        Group group = new Group().setType(Group.GroupType.PERSON).setActual(true);
        group.setId("dry-run-cohort");
        for (Map.Entry<String, List<Resource>> p : patients.entrySet()) {
            ehr.post(p.getValue());
            group.addMember().getEntity().setReference("Patient/" + p.getKey());
        }
        ehr.post(List.of(group));

        Response done = await(kickOff(export("dry-run-cohort")));
        assertEquals(200, done.statusCode(), done.asString());
        RuleCounts counts = RuleMeasureReport.counts(baseline(done.asString()));

        Map<String, Long> expected = evaluateOneByOne(patients);
        assertTrue(expected.size() > 3, "several rules and severities fire: " + expected);
        assertEquals(expected, findingsBySeverity(counts));
        assertEquals(PATIENTS, counts.evaluated());
        assertEquals(PATIENTS, counts.population(), "every generated patient is on anastrozole");
    }

    @Test
    void anExportTheEhrRefusesFailsTheJobWithTheEhrsReason() throws Exception {
        Response failed = await(kickOff(export("no-such-group")));
        assertEquals(502, failed.statusCode(), failed.asString());
        String outcome = failed.asString();
        assertTrue(outcome.contains("OperationOutcome") && outcome.contains("refused the export"), outcome);
        assertTrue(outcome.contains("HTTP 404") || outcome.contains("HTTP 400"), outcome);
    }

    /** The benchmarks' seeded patients under ids of their own, grouped per patient for filing and for $evaluate. */
    private static Map<String, List<Resource>> population() {
        String json = SyntheticPatients.bundle(PATIENTS, 31).replace("bench-", "cohort-");
        Bundle bundle = TestPopulation.CTX.newJsonParser().parseResource(Bundle.class, json);
        Map<String, List<Resource>> byPatient = new LinkedHashMap<>();
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            Resource r = e.getResource();
            String patient = r instanceof Patient ? r.getIdElement().getIdPart()
                    : PatientGrouper.subjectReference(r).getReferenceElement().getIdPart();
            byPatient.computeIfAbsent(patient, k -> new ArrayList<>()).add(r);
        }
        return byPatient;
    }

    private static Parameters export(String group) {
        Parameters p = new Parameters();
        p.addParameter().setName("ehr").setValue(new StringType(HapiJpaEhrResource.EHR));
        p.addParameter().setName("group").setValue(new StringType(group));
        p.addParameter().setName("asOf").setValue(new DateTimeType(AS_OF));
        return p;
    }
}
