package org.e2guard.cds.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Templates and the URLs the service issues itself come from one definition. */
class PrefetchQueryTest {

    @Test
    void readAndSearchRenderAsTemplateAndAsUrl() {
        PrefetchQuery read = PrefetchQuery.read("patient", "Patient");
        assertEquals("Patient/{{context.patientId}}", read.template());
        assertEquals("Patient/p-1", read.forPatient("p-1"));

        PrefetchQuery search = PrefetchQuery.search("estradiol", "Observation",
                List.of("http://loinc.org|2243-4", "http://loinc.org|72873-3"));
        assertEquals("Observation?patient={{context.patientId}}&code=http://loinc.org%7C2243-4,http://loinc.org%7C72873-3",
                search.template());
        assertEquals("Observation?patient=p-1&code=http://loinc.org%7C2243-4,http://loinc.org%7C72873-3",
                search.forPatient("p-1"));
        assertEquals("MedicationStatement?patient={{context.patientId}}",
                PrefetchQuery.search("meds", "MedicationStatement", null).template());
    }

    @Test
    void codesWithCharactersOutsideAQueryAreEncoded() {
        assertEquals("urn:oid:1.2%7Ca%20b%26c", PrefetchQuery.encodeToken("urn:oid:1.2|a b&c"));
    }

    @Test
    void nextLinksAreFollowedOnlyOnTheSameServer() {
        String base = "https://ehr.example.org/fhir";
        assertEquals(true, FhirServerReader.sameServer(base, base + "?_getpages=x"));
        assertEquals(true, FhirServerReader.sameServer(base, base + "/Observation?page=2"));
        assertEquals(false, FhirServerReader.sameServer(base, "https://ehr.example.org/fhirx?page=2"));
        assertEquals(false, FhirServerReader.sameServer(base, "https://evil.example/fhir?page=2"));
        assertEquals(false, FhirServerReader.sameServer(base, null));
    }
}
