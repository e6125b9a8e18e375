package org.e2guard.mapping.terminology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.e2guard.fhir.FhirSupport;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ca.uhn.fhir.context.FhirContext;

/** The code lists come from ValueSet resources, and a deployment can add its local codes. */
class ValueSetLoaderTest {
    static final FhirContext CTX = FhirSupport.newContext();

    static CodeableConcept code(String system, String code) {
        return new CodeableConcept(new Coding(system, code, null));
    }

    @Test
    void everyPublishedValueSetLoads() {
        assertEquals(ValueSetLoader.PUBLISHED.size(), ValueSetLoader.load(CTX.newJsonParser(), null).size());
    }

    @Test
    void aDeploymentExtendsAPublishedValueSetByUrl(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("local-estradiol.json"), """
                {"resourceType":"ValueSet","url":"https://e2guard.org/fhir/ValueSet/estradiol-sensitive","status":"active",
                 "compose":{"include":[{"system":"http://lab.example.org/codes","concept":[{"code":"E2-MS"}]}]}}""");
        Terminology t = new Terminology(new CodeLists(ValueSetLoader.load(CTX.newJsonParser(), dir)));
        Terminology.LabMatch m = t.lab(code("http://lab.example.org/codes", "E2-MS")).orElseThrow();
        assertEquals(LabConcept.ESTRADIOL, m.concept());
        assertTrue(m.sensitive());
        assertTrue(t.lab(code("http://loinc.org", "35384-7")).isPresent(), "published codes stay");
        Terminology published = new Terminology(new CodeLists(ValueSetLoader.load(CTX.newJsonParser(), null)));
        assertTrue(published.lab(code("http://lab.example.org/codes", "E2-MS")).isEmpty());
    }

    @Test
    void atcIsAFiltersMatchByPrefix() {
        Terminology t = new Terminology(new CodeLists(ValueSetLoader.load(CTX.newJsonParser(), null)));
        assertEquals(Ingredient.GLUCOCORTICOID, t.drug(code("http://www.whocc.no/atc", "H02AB06")).orElseThrow().ingredient());
        assertEquals(Ingredient.EXEMESTANE, t.drug(code("http://www.whocc.no/atc", "L02BG06")).orElseThrow().ingredient());
        assertTrue(t.drug(code("http://www.whocc.no/atc", "H02AA01")).isEmpty());
    }
}
