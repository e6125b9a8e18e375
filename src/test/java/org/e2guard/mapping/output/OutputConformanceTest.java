package org.e2guard.mapping.output;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.e2guard.testing.GoldenCases;
import org.e2guard.conformance.ValidationAssertions;
import org.e2guard.validation.FhirValidation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Everything {@code $evaluate} answers for every golden case (DetectedIssue, Flag, Device,
 * Provenance, OperationOutcome, and the Bundle around them) is valid against the R4 base
 * specification and against e2guard's own profiles, which the resources declare in
 * {@code meta.profile} and the validator therefore applies. Broken outputs must fail, so the
 * check cannot pass vacuously.
 */
@QuarkusTest
class OutputConformanceTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    FhirValidation validation;
    @Inject
    FhirContext ctx;

    static List<GoldenCases.Case> cases() {
        return GoldenCases.all();
    }

    static String evaluate(GoldenCases.Case c, String accept) {
        return given().urlEncodingEnabled(false)
                .header("Authorization", "Bearer test-key")
                .contentType("application/fhir+json")
                .accept(accept)
                .body(c.bundle())
                .when().post("/fhir/$evaluate?asOf=" + c.asOf())
                .then().statusCode(200).contentType(accept)
                .extract().asString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyOutputIsValid(GoldenCases.Case c) {
        String name = c.toString();
        String response = evaluate(c, "application/fhir+json");
        ValidationAssertions.assertNoErrors(validation.validator().validate(response), name + " $evaluate response");

        Bundle bundle = ctx.newJsonParser().parseResource(Bundle.class, response);
        Map<String, Integer> types = new TreeMap<>();
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            Resource r = e.getResource();
            types.merge(r.fhirType(), 1, Integer::sum);
            String profile = switch (r.fhirType()) {
                case "DetectedIssue" -> Canonical.PROFILE_DETECTED_ISSUE;
                case "Flag" -> Canonical.PROFILE_FLAG;
                case "Device" -> Canonical.PROFILE_DEVICE;
                default -> null;
            };
            if (profile != null) {
                // the profile is only checked because the resource claims it
                assertEquals(List.of(profile), ((DomainResource) r).getMeta().getProfile().stream()
                        .map(p -> p.getValue()).toList(), r.fhirType() + " of " + name);
            }
        }
        assertEquals(1, types.get("Device"), name);
        assertEquals(1, types.get("OperationOutcome"), name);
        if (types.containsKey("DetectedIssue")) {
            // one Flag per patient with findings (x35 holds two patients)
            long patients = bundle.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                    .filter(DetectedIssue.class::isInstance).map(r -> ((DetectedIssue) r).getPatient().getReference())
                    .distinct().count();
            assertEquals(patients, types.get("Flag").longValue(), name);
            assertEquals(1, types.get("Provenance"), name);
        }
    }

    @Test
    void theXmlFormIsValidToo() throws IOException {
        String xml = evaluate(GoldenCases.named("c02-man-e2-very-low-on-1mg-daily"), "application/fhir+xml");
        assertTrue(xml.startsWith("<Bundle"), "an XML Bundle");
        ValidationAssertions.assertNoErrors(validation.validator().validate(xml), "XML $evaluate response");
    }

    /** Case 02 fires two rules: its DetectedIssues, Flag and Device as e2guard writes them. */
    private Bundle sample() throws IOException {
        return ctx.newJsonParser().parseResource(Bundle.class, evaluate(GoldenCases.named("c02-man-e2-very-low-on-1mg-daily"), "application/fhir+json"));
    }

    private static <T extends Resource> T first(Bundle b, Class<T> type) {
        return b.getEntry().stream().map(Bundle.BundleEntryComponent::getResource).filter(type::isInstance)
                .map(type::cast).findFirst().orElseThrow();
    }

    @Test
    void aDetectedIssueWithoutItsRuleCodingFails() throws IOException {
        DetectedIssue di = first(sample(), DetectedIssue.class);
        ValidationAssertions.assertNoErrors(validation.validator().validate(di), "the DetectedIssue as written");
        di.getCode().getCoding().removeIf(c -> Canonical.RULE_SYSTEM.equals(c.getSystem()));
        ValidationAssertions.assertError(validation.validator().validate(di), "DetectedIssue.code.coding:rule",
                "a DetectedIssue without its rule coding");
    }

    @Test
    void aDetectedIssueWithAnUnknownRuleOrActionFails() throws IOException {
        DetectedIssue di = first(sample(), DetectedIssue.class);
        di.getCode().getCoding().stream().filter(c -> Canonical.RULE_SYSTEM.equals(c.getSystem())).findFirst()
                .orElseThrow().setCode("E9_UNKNOWN");
        ValidationAssertions.assertError(validation.validator().validate(di), "E9_UNKNOWN", "an unknown rule code");
        DetectedIssue di2 = first(sample(), DetectedIssue.class);
        di2.getExtension().stream().filter(x -> Canonical.EXT_ACTION.equals(x.getUrl())).findFirst().orElseThrow()
                .setValue(new org.hl7.fhir.r4.model.CodeableConcept(
                        new org.hl7.fhir.r4.model.Coding(Canonical.ACTION_SYSTEM, "prescribe-something", null)));
        ValidationAssertions.assertError(validation.validator().validate(di2), "prescribe-something", "an unknown action");
    }

    @Test
    void aDetectedIssueWithoutThresholdOrSeverityFails() throws IOException {
        DetectedIssue di = first(sample(), DetectedIssue.class);
        di.getExtension().removeIf(x -> Canonical.EXT_THRESHOLD.equals(x.getUrl()));
        ValidationAssertions.assertError(validation.validator().validate(di), "threshold", "a DetectedIssue without threshold");
        DetectedIssue di2 = first(sample(), DetectedIssue.class).setSeverity(null);
        ValidationAssertions.assertError(validation.validator().validate(di2), "DetectedIssue.severity",
                "a DetectedIssue without severity");
    }

    @Test
    void aFlagWithoutItsSnomedCodeFails() throws IOException {
        Flag flag = first(sample(), Flag.class);
        ValidationAssertions.assertNoErrors(validation.validator().validate(flag), "the Flag as written");
        flag.getCode().getCoding().removeIf(c -> Canonical.SNOMED.equals(c.getSystem()));
        ValidationAssertions.assertError(validation.validator().validate(flag), "Flag.code.coding:snomed",
                "a Flag without SNOMED CT 391040000");
    }

    @Test
    void aDeviceWithoutItsRulesetVersionFails() throws IOException {
        Device device = first(sample(), Device.class);
        ValidationAssertions.assertNoErrors(validation.validator().validate(device), "the Device as written");
        device.getVersion().removeIf(v -> v.hasType());
        ValidationAssertions.assertError(validation.validator().validate(device), "Device.version:ruleset",
                "a Device without its ruleset version");
    }
}
