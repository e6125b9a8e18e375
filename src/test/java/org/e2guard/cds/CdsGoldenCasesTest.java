package org.e2guard.cds;

import static org.e2guard.cds.CdsTestSupport.JSON;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.e2guard.testing.GoldenCases;
import org.e2guard.cds.service.Orderable;
import org.e2guard.engine.Action;
import org.e2guard.engine.Engine;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every golden case through patient-view, as an EHR would call it: the case's resources as
 * prefetch, each key answered from the discovery template (so a template that missed something
 * the rules read would fail the case), asOf from the expected file. The cards must stand for
 * exactly the expected findings, each card's indicator must be its most severe finding's
 * (high: critical, moderate: warning, low: info), and every card must be well-formed.
 */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class CdsGoldenCasesTest {
    static final Map<String, String> INDICATOR = Map.of("high", "critical", "moderate", "warning", "low", "info");


    static List<GoldenCases.Case> cases() {
        return GoldenCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void patientViewGivesTheExpectedCards(GoldenCases.Case golden) throws IOException {
        String name = golden.toString();
        List<Resource> resources = CdsTestSupport.caseResources(golden);
        JsonNode templates = CdsTestSupport.templates(PATIENT_VIEW);
        for (Resource r : resources) {
            if (!(r instanceof Patient p)) {
                continue;
            }
            String id = p.getIdElement().getIdPart();
            ObjectNode request = CdsTestSupport.request("patient-view", id);
            CdsTestSupport.asOf(request, golden.asOf());
            request.set("prefetch", CdsTestSupport.prefetch(templates, resources, id));

            String body = CdsTestSupport.cds("/cds-services/" + PATIENT_VIEW).body(request.toString())
                    .post("/cds-services/" + PATIENT_VIEW)
                    .then().statusCode(200).contentType("application/json").extract().asString();
            JsonNode response = JSON.readTree(body);

            assertEquals(golden.expectedFindings("Patient/" + id), CdsTestSupport.cardFindings(response, "Patient/" + id),
                    name + " Patient/" + id);
            golden.assertContent("Patient/" + id, CdsTestSupport.shownOnCards(response, "Patient/" + id));
            checkSuggestions(golden, "Patient/" + id, response);
            Set<String> uuids = new HashSet<>();
            for (JsonNode card : response.get("cards")) {
                checkCard(card, name);
                assertTrue(uuids.add(card.get("uuid").asText()), "card uuids are unique");
            }
        }
    }

    /**
     * The cards' suggestions follow the action table (RULES.md 1.2 §5): a test a finding must
     * recommend is offered as a suggestion on some card, and a patient whose finding must not
     * recommend a dose review is offered nothing that changes or removes a medication order.
     */
    static void checkSuggestions(GoldenCases.Case golden, String patientRef, JsonNode response) {
        Set<String> labels = new HashSet<>();
        List<String> medicationChanges = new java.util.ArrayList<>();
        for (JsonNode card : response.get("cards")) {
            for (JsonNode s : card.path("suggestions")) {
                labels.add(s.get("label").asText());
                for (JsonNode a : s.get("actions")) {
                    String type = a.get("type").asText();
                    String target = a.has("resource") ? a.get("resource").path("resourceType").asText()
                            : a.path("resourceId").toString();
                    if (!type.equals("create") && target.contains("MedicationRequest")) {
                        medicationChanges.add(s.get("label").asText());
                    }
                }
            }
        }
        for (GoldenCases.Content c : golden.expectedContent()) {
            if (!c.finding().patient().equals(patientRef)) {
                continue;
            }
            for (String code : c.actionsInclude()) {
                Action a = java.util.Arrays.stream(Action.values()).filter(x -> x.code().equals(code)).findFirst().orElseThrow();
                if (Orderable.of(a) != null) {
                    assertTrue(labels.contains(a.display()), golden + " " + c.finding() + ": a suggestion orders " + code + " " + labels);
                }
            }
            if (c.actionsExclude().contains(Action.REVIEW_AI_DOSE.code())) {
                assertEquals(List.of(), medicationChanges, golden + " " + c.finding() + ": no suggestion changes the AI order");
            }
        }
    }

    static void checkCard(JsonNode card, String name) {
        String worst = "low";
        for (JsonNode f : card.get("extension").get("org.e2guard.findings")) {
            String s = f.get("severity").asText();
            if (s.equals("high") || (s.equals("moderate") && worst.equals("low"))) {
                worst = s;
            }
        }
        assertEquals(INDICATOR.get(worst), card.get("indicator").asText(), name + ": indicator of " + card);
        assertTrue(card.get("uuid").asText().matches("[0-9a-f-]{36}"), "uuid");
        String summary = card.get("summary").asText();
        assertFalse(summary.isBlank());
        assertTrue(summary.length() <= 140, "summary at most 140 characters");
        assertFalse(summary.contains("p1") || summary.contains("MRN"), "no patient identifiers in the summary");
        String detail = card.get("detail").asText();
        assertTrue(detail.contains("Threshold:"), "detail states the threshold");
        assertTrue(detail.contains("ruleset " + Engine.RULESET_VERSION), "detail states the ruleset");
        JsonNode source = card.get("source");
        assertNotNull(source.get("label"));
        assertTrue(source.get("url").asText().startsWith("https://"));
        assertEquals("https://e2guard.org/fhir/CodeSystem/rule", source.get("topic").get("system").asText());
        assertTrue(card.get("overrideReasons").size() > 0);
        card.get("overrideReasons").forEach(r -> assertFalse(r.get("display").asText().isBlank()));
        assertTrue(card.get("links").size() > 0);
        card.get("links").forEach(l -> assertEquals("absolute", l.get("type").asText()));
        if (card.has("suggestions")) {
            assertTrue(card.has("selectionBehavior"), "suggestions need a selectionBehavior");
            card.get("suggestions").forEach(s -> {
                assertFalse(s.get("label").asText().isBlank());
                assertTrue(s.get("uuid").asText().matches("[0-9a-f-]{36}"));
                assertTrue(s.get("actions").size() > 0);
            });
        }
    }
}
