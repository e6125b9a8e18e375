package org.e2guard.operations;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.e2guard.conformance.ValidationAssertions;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.validation.FhirValidation;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** {@code GET /fhir/metadata} serves the published CapabilityStatement, open and valid. */
@QuarkusTest
class MetadataResourceTest {
    @Inject
    FhirContext ctx;
    @Inject
    FhirValidation validation;

    @Test
    void servesTheCapabilityStatementWithoutAKey() {
        String body = given().when().get("/fhir/metadata")
                .then().statusCode(200).contentType("application/fhir+json").extract().asString();
        ValidationAssertions.assertNoErrors(validation.validator().validate(body), "GET /fhir/metadata");
        CapabilityStatement cs = ctx.newJsonParser().parseResource(CapabilityStatement.class, body);
        assertEquals(Canonical.BASE + "/CapabilityStatement/e2guard", cs.getUrl());
        assertEquals(List.of("evaluate", "validate", "evaluate-population"),
                cs.getRestFirstRep().getOperation().stream().map(o -> o.getName()).toList());
        assertTrue(cs.getRestFirstRep().getResource().stream()
                .anyMatch(r -> r.getType().equals("DetectedIssue") && Canonical.PROFILE_DETECTED_ISSUE.equals(r.getProfile())));
        assertTrue(cs.getFormat().stream().anyMatch(f -> f.getValue().equals("application/fhir+xml")));
        assertTrue(cs.getImplementation().getUrl().endsWith("/fhir"), "the implementation URL is this server's base");
        assertTrue(cs.getSoftware().hasVersion(), "the software version of the running service");
    }

    @Test
    void servesXmlOnRequest() {
        String xml = given().queryParam("_format", "xml").when().get("/fhir/metadata")
                .then().statusCode(200).contentType("application/fhir+xml").extract().asString();
        assertTrue(xml.contains("<CapabilityStatement"));
    }
}
