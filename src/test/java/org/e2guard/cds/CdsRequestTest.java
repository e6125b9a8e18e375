package org.e2guard.cds;

import static io.restassured.RestAssured.given;
import static org.e2guard.cds.CdsTestSupport.JSON;
import static org.e2guard.cds.CdsTestSupport.ORDER_SELECT;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Consumer;

import org.e2guard.mapping.terminology.ValueSetLoader;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Discovery, and the request checks: every malformed request is a clear 400, never a 500. */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class CdsRequestTest {
    static final String URL = "/cds-services/" + PATIENT_VIEW;
    static final Pattern TOKEN = Pattern.compile("\\{\\{([^}]*)}}");
    /** The prefetch tokens CDS Hooks 2.0 allows (context fields of these hooks, user identifiers). */
    static final Set<String> ALLOWED = Set.of("context.patientId", "context.userId", "context.encounterId",
            "userPractitionerId", "userPractitionerRoleId", "userPatientId", "userRelatedPersonId");

    @Test
    void discoveryListsTheThreeServicesWithValidTemplates() {
        JsonNode discovery = CdsTestSupport.discovery();
        Set<String> hooks = new HashSet<>();
        for (JsonNode s : discovery.get("services")) {
            hooks.add(s.get("hook").asText());
            for (String field : List.of("id", "title", "description", "usageRequirements")) {
                assertTrue(s.hasNonNull(field) && !s.get(field).asText().isBlank(), field);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = s.get("prefetch").fields(); it.hasNext(); ) {
                String template = it.next().getValue().asText();
                Matcher m = TOKEN.matcher(template);
                int tokens = 0;
                while (m.find()) {
                    assertTrue(ALLOWED.contains(m.group(1)), "token {{" + m.group(1) + "}} in " + template);
                    tokens++;
                }
                assertTrue(tokens > 0, "every template is scoped to the patient: " + template);
                assertTrue(!template.contains("_include") && !template.contains("|"), template);
            }
        }
        assertEquals(Set.of("patient-view", "order-select", "order-sign"), hooks);
    }

    @Test
    void observationCodeListsComeFromTheValueSets() {
        JsonNode templates = CdsTestSupport.templates(PATIENT_VIEW);
        Map<String, List<String>> keys = Map.of(
                "estradiol", List.of("estradiol-standard", "estradiol-sensitive"),
                "dxa", List.of("dxa-bmd", "dxa-t-score", "dxa-z-score", "dxa-report"),
                "vitaminDCalcium", List.of("vitamin-d-total", "vitamin-d3-proxy", "calcium-serum"),
                "dxaReports", List.of("dxa-report"));
        for (ValueSet vs : ValueSetLoader.load(CdsTestSupport.CTX.newJsonParser(), null)) {
            String name = vs.getUrl().substring(vs.getUrl().lastIndexOf('/') + 1);
            keys.forEach((key, sets) -> {
                if (sets.contains(name)) {
                    for (ValueSet.ConceptSetComponent inc : vs.getCompose().getInclude()) {
                        for (ValueSet.ConceptReferenceComponent c : inc.getConcept()) {
                            assertTrue(templates.get(key).asText().contains(inc.getSystem() + "%7C" + c.getCode()),
                                    key + " asks for " + c.getCode());
                        }
                    }
                }
            });
        }
        assertTrue(templates.get("patient").asText().equals("Patient/{{context.patientId}}"));
    }

    static ObjectNode valid() {
        ObjectNode r = CdsTestSupport.request("patient-view", "p1");
        r.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(PATIENT_VIEW),
                CdsTestSupport.caseResources("c09-testosterone-without-ai"), "p1"));
        return r;
    }

    static void badRequest(String body, String message) {
        CdsTestSupport.cds(URL).body(body).post(URL).then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString(message));
    }

    static void badRequest(Consumer<ObjectNode> change, String message) {
        ObjectNode r = valid();
        change.accept(r);
        badRequest(r.toString(), message);
    }

    static ObjectNode ctx(ObjectNode r) {
        return (ObjectNode) r.get("context");
    }

    @Test
    void malformedRequestsAre400() {
        badRequest("{not json", "not JSON");
        badRequest("[]", "JSON object");
        badRequest(r -> r.remove("hook"), "hook is required");
        badRequest(r -> r.put("hook", "order-sign"), "does not match service");
        badRequest(r -> r.put("hook", 7), "hook must be a non-empty string");
        badRequest(r -> r.remove("hookInstance"), "hookInstance is required");
        badRequest(r -> r.put("hookInstance", "42"), "hookInstance must be a UUID");
        badRequest(r -> r.remove("context"), "context is required");
        badRequest(r -> ctx(r).remove("patientId"), "context.patientId is required");
        badRequest(r -> ctx(r).put("patientId", "../Observation?x=1"), "context.patientId must be a FHIR id");
        badRequest(r -> ctx(r).remove("userId"), "context.userId is required");
        badRequest(r -> ctx(r).put("userId", "dr-1"), "context.userId must be a reference");
        badRequest(r -> ctx(r).put("encounterId", 5), "context.encounterId");
        badRequest(r -> r.putObject("fhirAuthorization").put("access_token", "t").put("token_type", "Bearer"),
                "fhirServer is required when fhirAuthorization");
        badRequest(r -> {
            CdsTestSupport.fhirServer(r);
            ((ObjectNode) r.get("fhirAuthorization")).put("token_type", "MAC");
        }, "token_type must be 'Bearer'");
        badRequest(r -> {
            CdsTestSupport.fhirServer(r);
            r.put("fhirServer", "ftp://ehr.example/fhir");
        }, "absolute http(s) base URL");
        badRequest(r -> ((ObjectNode) r.get("prefetch")).put("patient", "Patient/1"), "prefetch 'patient' must be a FHIR resource");
        badRequest(r -> ((ObjectNode) r.get("prefetch")).putObject("patient").put("resourceType", "NoSuchType"),
                "prefetch.patient");
        badRequest(r -> ((ObjectNode) r.get("prefetch")).putObject("patient").put("resourceType", "Patient")
                .put("birthDate", "not-a-date"), "prefetch.patient");
        badRequest(r -> r.putObject("extension").put("org.e2guard.as-of", "last tuesday"), "org.e2guard.as-of");
    }

    @Test
    void orderHooksNeedTheirContext() {
        String url = "/cds-services/" + ORDER_SELECT;
        ObjectNode r = CdsTestSupport.request("order-select", "p1");
        CdsTestSupport.cds(url).body(r.toString()).post(url).then().statusCode(400)
                .body("issue[0].diagnostics", containsString("context.draftOrders is required"));
        ctx(r).putObject("draftOrders").put("resourceType", "Patient");
        CdsTestSupport.cds(url).body(r.toString()).post(url).then().statusCode(400)
                .body("issue[0].diagnostics", containsString("must be a Bundle"));
        ctx(r).putObject("draftOrders").put("resourceType", "Bundle").put("type", "collection");
        CdsTestSupport.cds(url).body(r.toString()).post(url).then().statusCode(400)
                .body("issue[0].diagnostics", containsString("context.selections is required"));
        ctx(r).putArray("selections").add("draft-1");
        CdsTestSupport.cds(url).body(r.toString()).post(url).then().statusCode(400)
                .body("issue[0].diagnostics", containsString("Type/id"));
        ctx(r).putArray("selections").add("MedicationRequest/draft-1");
        CdsTestSupport.cds(url).body(r.toString()).post(url).then().statusCode(200).body("cards.size()", equalTo(0));
    }

    @Test
    void unknownMembersAndExtensionsAreIgnored() throws IOException {
        ObjectNode r = valid();
        r.put("someFutureMember", true);
        r.putObject("extension").put("com.example.timestamp", "2017-11-27T22:13:25Z").putObject("com.example.nested");
        ctx(r).put("encounterId", "89284");
        ctx(r).put("somethingElse", 1);
        JsonNode response = JSON.readTree(CdsTestSupport.cds(URL).body(r.toString()).post(URL)
                .then().statusCode(200).extract().asString());
        assertEquals(0, response.get("cards").size(), "case 09 (TRT only, no AI): no cards");
    }

    @Test
    void unknownServiceIs404AndOversizeIs413() {
        String url = "/cds-services/nope";
        CdsTestSupport.cds(url).body(valid().toString()).post(url).then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"));
        String big = "{\"hook\":\"patient-view\",\"pad\":\"" + "x".repeat(11 * 1024 * 1024) + "\"}";
        CdsTestSupport.cds(URL).body(big).post(URL).then().statusCode(413);
    }

    @Test
    void hookCallsAreTimed() {
        CdsTestSupport.cds(URL).body(valid().toString()).post(URL).then().statusCode(200);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("e2guard_cds_request_seconds_count{hook=\"patient-view\""), "timer per hook");
    }
}
