package org.e2guard.population;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.e2guard.bench.SyntheticPatients;
import org.e2guard.fhir.FhirSupport;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;

/**
 * A small generated population as FHIR Bulk Data NDJSON (one file per resource type), from the
 * benchmarks' seeded generator: every rule fires for some patients and not for others. A few
 * lines of types the rules do not read (Encounter) and a patient without an aromatase inhibitor
 * are added, so the dry run must count the population and pass over the rest.
 */
public final class TestPopulation {
    public static final FhirContext CTX = FhirSupport.newContext();

    private TestPopulation() {
    }

    /** Writes the NDJSON files into {@code dir}; returns each patient's resources, for posting them one by one. */
    public static Map<String, List<Resource>> write(Path dir, int patients, long seed) {
        Bundle bundle = CTX.newJsonParser().parseResource(Bundle.class, SyntheticPatients.bundle(patients, seed));
        Map<String, List<Resource>> byPatient = new LinkedHashMap<>();
        Map<String, List<String>> byType = new LinkedHashMap<>();
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            Resource r = e.getResource();
            String patient = r instanceof Patient ? r.getIdElement().getIdPart()
                    : org.e2guard.mapping.record.PatientGrouper.subjectReference(r).getReferenceElement().getIdPart();
            byPatient.computeIfAbsent(patient, k -> new ArrayList<>()).add(r);
            byType.computeIfAbsent(r.fhirType(), k -> new ArrayList<>()).add(CTX.newJsonParser().encodeResourceToString(r));
        }
        // a woman with no aromatase inhibitor: evaluated, outside the population
        Patient none = new Patient();
        none.setId("no-ai");
        none.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.FEMALE);
        byPatient.put("no-ai", List.of(none));
        byType.get("Patient").add(CTX.newJsonParser().encodeResourceToString(none));
        byType.put("Encounter", List.of("{\"resourceType\":\"Encounter\",\"id\":\"enc-1\",\"status\":\"finished\","
                + "\"class\":{\"code\":\"AMB\"},\"subject\":{\"reference\":\"Patient/bench-0\"}}"));
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, List<String>> t : byType.entrySet()) {
                try (Writer w = Files.newBufferedWriter(dir.resolve(t.getKey() + ".ndjson"), StandardCharsets.UTF_8)) {
                    for (String line : t.getValue()) {
                        w.write(line);
                        w.write('\n');
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byPatient;
    }
}
