package org.e2guard.operations;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * The prologue the three FHIR operations share ({@link OperationInput}): the same size limit
 * ({@code e2guard.evaluate.max-body-size}, 20 MB here) and the same asOf errors for
 * {@code $evaluate}, {@code $validate} and {@code Patient/$evaluate}. No EHR is configured in this
 * profile: {@code Patient/$evaluate} gets as far as naming the EHR, after the prologue.
 */
@QuarkusTest
class OperationInputTest {
    static final String LIMIT = "limit of 20971520 bytes (e2guard.evaluate.max-body-size)";
    static final String NOT_A_DATE = "asOf 'yesterday' is not a FHIR dateTime (e.g. 2026-07-01 or 2026-07-01T00:00:00Z)";
    static final List<String> OPERATIONS = List.of("/fhir/$evaluate", "/fhir/$validate", "/fhir/Patient/p1/$evaluate");

    @Inject
    FhirContext ctx;

    static RequestSpecification api() {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key").contentType("application/fhir+json");
    }

    /** A Parameters body of about {@code bytes} bytes, the bulk in a parameter no operation reads. */
    String parameters(int bytes, String asOf) {
        Parameters p = new Parameters();
        p.addParameter().setName("bundle").setResource(new Bundle().setType(Bundle.BundleType.COLLECTION));
        if (asOf != null) {
            p.addParameter().setName("asOf").setValue(new StringType(asOf));
        }
        p.addParameter().setName("padding").setValue(new StringType("x".repeat(Math.max(0, bytes))));
        return ctx.newJsonParser().encodeResourceToString(p);
    }

    @Test
    void everyOperationRefusesBodiesAboveTheConfiguredLimitWith413() {
        String big = parameters(21 * 1024 * 1024, null);
        for (String operation : OPERATIONS) {
            api().body(big).post(operation).then().statusCode(413)
                    .body("resourceType", equalTo("OperationOutcome"))
                    .body("issue[0].diagnostics", containsString(LIMIT));
        }
        // without a Content-Length (chunked) the limit is found while reading
        api().body(new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))).post("/fhir/Patient/p1/$evaluate")
                .then().statusCode(413).body("issue[0].diagnostics", containsString(LIMIT));
    }

    @Test
    void patientEvaluateNoLongerHasAOneMegabyteLimitOfItsOwn() {
        // 2 MB used to be refused (413 above 1,000,000 bytes); now the body is read and the
        // operation goes on to the EHR, of which this profile has none
        api().body(parameters(2 * 1024 * 1024, null)).post("/fhir/Patient/p1/$evaluate").then().statusCode(400)
                .body("issue[0].diagnostics", containsString("No EHR is configured"));
    }

    @Test
    void anInvalidAsOfInTheQueryIsTheSame400Everywhere() {
        for (String operation : OPERATIONS) {
            api().body(parameters(0, null)).post(operation + "?asOf=yesterday").then().statusCode(400)
                    .body("issue[0].diagnostics", equalTo(NOT_A_DATE))
                    .body("issue[0].expression[0]", equalTo("asOf"));
        }
    }

    @Test
    void anInvalidAsOfInTheParametersBodyIsRefusedWhereItIsAndReportedByValidate() {
        for (String operation : List.of("/fhir/$evaluate", "/fhir/Patient/p1/$evaluate")) {
            api().body(parameters(0, "yesterday")).post(operation).then().statusCode(400)
                    .body("issue[0].diagnostics", equalTo(NOT_A_DATE))
                    .body("issue[0].expression[0]", equalTo("Parameters.parameter[1].value"));
        }
        // $validate reviews the body: 200, with the error $evaluate would give
        api().body(parameters(0, "yesterday")).post("/fhir/$validate").then().statusCode(200)
                .body("issue.details.text", hasItem("$evaluate would reject this input: " + NOT_A_DATE))
                .body("issue.expression.flatten()", hasItem("Parameters.parameter[1].value"));
    }

    @Test
    void anAsOfParameterWithoutAValueIs400NotAnInternalError() {
        String body = """
                {"resourceType":"Parameters","parameter":[
                  {"name":"bundle","resource":{"resourceType":"Bundle","type":"collection"}},
                  {"name":"asOf","resource":{"resourceType":"Basic","code":{"text":"x"}}}]}""";
        for (String operation : List.of("/fhir/$evaluate", "/fhir/Patient/p1/$evaluate")) {
            api().body(body).post(operation).then().statusCode(400)
                    .body("issue[0].diagnostics", containsString("The asOf parameter has no value"))
                    .body("issue[0].expression[0]", equalTo("Parameters.parameter[1].value"));
        }
    }

    @Test
    void aValidAsOfInTheQueryWinsOverTheBody() {
        // the body's asOf is invalid, but the query names the time: accepted, as both operations read it
        api().body(parameters(0, "yesterday")).post("/fhir/$evaluate?asOf=2026-07-01").then().statusCode(200)
                .body("resourceType", equalTo("Bundle")).body("type", equalTo("collection"));
    }
}
