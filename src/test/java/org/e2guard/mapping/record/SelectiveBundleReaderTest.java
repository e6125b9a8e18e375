package org.e2guard.mapping.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirInput;
import org.e2guard.fhir.FhirSupport;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;

/**
 * The JSON resources the rules read are built from the reader's own tokens (a tree handed to
 * HAPI), not re-parsed from text: they must come out as HAPI's parse of the whole body builds them,
 * values as written included.
 */
class SelectiveBundleReaderTest {
    static final FhirContext CTX = FhirSupport.newContext();

    static final String BODY = """
            {"resourceType":"Bundle","type":"collection","entry":[
             {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p1","active":true,"birthDate":"1958-04-02",
              "name":[{"family":"Ünal","given":["Ayşe","\\"Q\\""]}],
              "extension":[{"url":"https://example.org/n","valueInteger":-7},{"url":"https://example.org/b","valueBoolean":false}]}},
             {"resource":{"resourceType":"Claim","id":"c1","status":"active","total":{"value":100.25}}},
             {"resource":{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"estradiol"},
              "valueQuantity":{"value":0.50,"unit":"pg/mL"},"referenceRange":[{"low":{"value":1.0E+2},"high":{"value":12345678901234567890.10}}],
              "component":[{"code":{"text":"x"},"valueInteger":2147483647}],"status":"final"}},
             {"resource":{"id":"o2","resourceType":"Observation","status":"final","code":{"text":"late type"},"valueQuantity":{"value":-0.0}}}
            ]}""";

    static List<String> encoded(List<? extends Resource> resources) {
        return resources.stream().map(r -> CTX.newJsonParser().encodeResourceToString(r)).toList();
    }

    static SelectiveBundleReader.Selection read(String body) {
        return new SelectiveBundleReader(CTX).read(FhirFormat.JSON,
                FhirInput.limited(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), Long.MAX_VALUE), Long.MAX_VALUE);
    }

    @Test
    void readResourcesAreThoseOfTheWholeParse() {
        Bundle whole = CTX.newJsonParser().parseResource(Bundle.class, BODY);
        List<Resource> expected = whole.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> !r.fhirType().equals("Claim")).toList();
        SelectiveBundleReader.Selection selection = read(BODY);
        assertEquals(encoded(expected), encoded(selection.index().resources()));
        assertEquals(Map.of("Claim", 1), selection.index().skipped());
        String observation = encoded(selection.index().resources()).get(1);
        assertTrue(observation.contains("\"value\":0.50"), observation);
        assertTrue(observation.contains("12345678901234567890.10"), observation);
    }

    @Test
    void invalidContentInAReadResourceIsStillA400() {
        FhirError e = assertThrows(FhirError.class, () -> read("""
                {"resourceType":"Bundle","type":"collection","entry":[
                 {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"abc"}}}]}"""));
        assertEquals(400, e.status());
    }
}
