package org.e2guard.cds;

import static org.e2guard.cds.CdsTestSupport.CTX;
import static org.e2guard.cds.CdsTestSupport.JSON;
import static org.e2guard.cds.CdsTestSupport.ORDER_SELECT;
import static org.e2guard.cds.CdsTestSupport.ORDER_SIGN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.e2guard.engine.Action;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.SimpleQuantity;
import org.hl7.fhir.r4.model.Timing;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * order-select and order-sign: rule O1 for an aromatase inhibitor being ordered, its merged card
 * and its suggestions, every suggested resource valid FHIR R4 (HAPI's validator, offline).
 */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class CdsOrderHooksTest {
    static final String CASE = "c01-man-e2-suppressed-transaction";
    static final String AS_OF = "2026-07-01T00:00:00Z";
    static FhirValidator validator;

    @BeforeAll
    static void validator() {
        ValidationSupportChain chain = new ValidationSupportChain(new DefaultProfileValidationSupport(CTX),
                new InMemoryTerminologyServerValidationSupport(CTX), new CommonCodeSystemsTerminologyService(CTX));
        validator = CTX.newValidator();
        validator.registerValidatorModule(new FhirInstanceValidator(chain));
    }

    static MedicationRequest anastrozoleDaily(String id) {
        return CdsTestSupport.anastrozoleDaily(id, "p1");
    }

    static MedicationRequest lisinopril(String id) {
        MedicationRequest mr = new MedicationRequest();
        mr.setId(id);
        mr.setStatus(MedicationRequest.MedicationRequestStatus.DRAFT);
        mr.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
        mr.setMedication(new CodeableConcept(new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "29046",
                "lisinopril")));
        mr.setSubject(new Reference("Patient/p1"));
        return mr;
    }

    static Bundle drafts(Resource... orders) {
        Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
        for (Resource r : orders) {
            b.addEntry().setResource(r);
        }
        return b;
    }

    static ObjectNode orderRequest(String hook, String service, Bundle drafts, List<String> selections) {
        ObjectNode request = CdsTestSupport.request(hook, "p1");
        CdsTestSupport.asOf(request, AS_OF);
        ((ObjectNode) request.get("context")).set("draftOrders", CdsTestSupport.tree(drafts));
        if (selections != null) {
            ((ObjectNode) request.get("context")).set("selections", JSON.valueToTree(selections));
        }
        request.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(service),
                CdsTestSupport.caseResources(CASE), "p1"));
        return request;
    }

    static JsonNode post(String service, ObjectNode request) throws IOException {
        return JSON.readTree(CdsTestSupport.cds("/cds-services/" + service).body(request.toString())
                .post("/cds-services/" + service).then().statusCode(200).extract().asString());
    }

    @Test
    void orderSelectOfDailyAnastrozoleGivesO1WithUpdateAndDelete() throws IOException {
        JsonNode response = post(ORDER_SELECT, orderRequest("order-select", ORDER_SELECT,
                drafts(anastrozoleDaily("draft-1"), lisinopril("draft-2")), List.of("MedicationRequest/draft-1")));

        JsonNode card = CdsTestSupport.cardOf(response, "AI_ORDER_REVIEW");
        assertNotNull(card, "an O1 card");
        assertEquals("critical", card.get("indicator").asText(), "1 mg daily is 7 mg/week: high");
        assertTrue(card.get("summary").asText().startsWith("Review anastrozole order"), card.get("summary").asText());
        // E1 (same suppressed estradiol) is told on the O1 card, not on a card of its own
        assertEquals(card, CdsTestSupport.cardOf(response, "E2_SUPPRESSED"), "E1 merged into the O1 card");
        assertTrue(card.get("detail").asText().contains("E2_SUPPRESSED"));
        assertEquals("at-most-one", card.get("selectionBehavior").asText());

        List<JsonNode> actions = new ArrayList<>();
        card.get("suggestions").forEach(s -> s.get("actions").forEach(actions::add));
        JsonNode update = actions.stream().filter(a -> a.get("type").asText().equals("update")).findFirst().orElseThrow();
        MedicationRequest changed = CTX.newJsonParser().parseResource(MedicationRequest.class, update.get("resource").toString());
        assertEquals("draft-1", changed.getIdElement().getIdPart());
        assertEquals(1, changed.getDosageInstruction().size());
        Dosage d = changed.getDosageInstructionFirstRep();
        assertEquals(0, d.getDoseAndRateFirstRep().getDoseQuantity().getValue().compareTo(new java.math.BigDecimal("0.5")));
        assertEquals("mg", d.getDoseAndRateFirstRep().getDoseQuantity().getCode());
        assertEquals("http://unitsofmeasure.org", d.getDoseAndRateFirstRep().getDoseQuantity().getSystem());
        assertEquals(2, d.getTiming().getRepeat().getFrequency());
        assertEquals(0, d.getTiming().getRepeat().getPeriod().compareTo(java.math.BigDecimal.ONE));
        assertEquals(Timing.UnitsOfTime.WK, d.getTiming().getRepeat().getPeriodUnit());
        assertEquals("26643006", d.getRoute().getCodingFirstRep().getCode(), "route kept");
        assertEquals(MedicationRequest.MedicationRequestStatus.DRAFT, changed.getStatus());

        JsonNode delete = actions.stream().filter(a -> a.get("type").asText().equals("delete")).findFirst().orElseThrow();
        assertEquals("MedicationRequest/draft-1", delete.get("resourceId").asText());
        assertNull(delete.get("resource"));

        // estradiol already below 20: removing the draft is the recommended alternative
        JsonNode deleteSuggestion = null;
        for (JsonNode s : card.get("suggestions")) {
            for (JsonNode a : s.get("actions")) {
                if (a.get("type").asText().equals("delete")) {
                    deleteSuggestion = s;
                }
            }
        }
        assertNotNull(deleteSuggestion);
        assertTrue(deleteSuggestion.path("isRecommended").asBoolean(), "remove is recommended: " + deleteSuggestion.get("label"));

        // nothing about the lisinopril draft
        for (JsonNode c : response.get("cards")) {
            assertTrue(!c.toString().contains("draft-2"), "the unselected draft is not reviewed");
        }
        validateEverySuggestedResource(response);
    }

    @Test
    void aNewStartWithEstradiolAlreadySuppressedRecommendsRemovalEvenWhenTheDoseIsHigh() throws IOException {
        // case 09: a man on TRT, not on an aromatase inhibitor yet, estradiol 12.0 pg/mL; the draft
        // (1 mg daily = 7 mg/week) is also above the typical dose, so both Change and Remove are offered
        for (String hook : List.of("order-select", "order-sign")) {
            String service = hook.equals("order-select") ? ORDER_SELECT : ORDER_SIGN;
            ObjectNode request = orderRequest(hook, service, drafts(anastrozoleDaily("draft-n")),
                    hook.equals("order-select") ? List.of("MedicationRequest/draft-n") : null);
            request.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(service),
                    CdsTestSupport.caseResources("c09-testosterone-without-ai"), "p1"));
            JsonNode card = CdsTestSupport.cardOf(post(service, request), "AI_ORDER_REVIEW");
            assertNotNull(card, hook);
            assertTrue(card.get("summary").asText().contains("estradiol already below the bone-protective threshold"),
                    card.get("summary").asText());
            JsonNode change = null;
            JsonNode remove = null;
            for (JsonNode sg : card.get("suggestions")) {
                if (sg.get("label").asText().startsWith("Change to")) {
                    change = sg;
                } else if (sg.get("label").asText().startsWith("Remove")) {
                    remove = sg;
                }
            }
            assertNotNull(change, hook + ": the lower dose is still offered");
            assertNotNull(remove, hook);
            assertTrue(remove.path("isRecommended").asBoolean(), hook + ": removing the draft is recommended");
            assertTrue(!change.path("isRecommended").asBoolean(), hook + ": the lower dose is not");
        }
    }

    /**
     * RULES.md 1.2 §5: without testosterone therapy the aromatase inhibitor is cancer therapy, so O1
     * keeps its own suggestions (the tests) and never offers to change or remove the AI order, nor
     * recommends a dose review, however suppressed estradiol is and however high the draft's dose.
     */
    @Test
    void withoutTestosteroneTherapyTheAiOrderIsNeverChangedOrRemoved() throws IOException {
        // c01's man with his testosterone taken away: estradiol suppressed on anastrozole, a 1 mg daily draft
        List<Resource> chart = CdsTestSupport.caseResources(CASE).stream()
                .filter(r -> !CTX.newJsonParser().encodeResourceToString(r).toLowerCase().contains("testosterone")).toList();
        for (String hook : List.of("order-select", "order-sign")) {
            String service = hook.equals("order-select") ? ORDER_SELECT : ORDER_SIGN;
            ObjectNode request = orderRequest(hook, service, drafts(anastrozoleDaily("draft-nt")),
                    hook.equals("order-select") ? List.of("MedicationRequest/draft-nt") : null);
            request.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(service), chart, "p1"));
            JsonNode response = post(service, request);
            JsonNode card = CdsTestSupport.cardOf(response, "AI_ORDER_REVIEW");
            assertNotNull(card, hook + ": O1 still reviews the order (estradiol already suppressed)");
            for (JsonNode c : response.get("cards")) {
                for (JsonNode sg : c.path("suggestions")) {
                    for (JsonNode a : sg.get("actions")) {
                        assertEquals("create", a.get("type").asText(), hook + ": only tests are suggested: " + sg.get("label"));
                        assertEquals("ServiceRequest", a.get("resource").get("resourceType").asText());
                    }
                }
                assertTrue(!c.get("detail").asText().contains(Action.REVIEW_AI_DOSE.display()), hook + ": no dose review: " + c);
            }
            assertTrue(card.get("detail").asText().contains("estradiol suppression is its intended effect"),
                    hook + ": the estradiol finding says why the AI is not the lever");
        }
    }

    @Test
    void orderSignReviewsEveryAiDraftAndLeavesOtherOrdersAlone() throws IOException {
        JsonNode response = post(ORDER_SIGN, orderRequest("order-sign", ORDER_SIGN,
                drafts(anastrozoleDaily("draft-9")), null));
        JsonNode card = CdsTestSupport.cardOf(response, "AI_ORDER_REVIEW");
        assertNotNull(card);
        assertTrue(card.toString().contains("MedicationRequest/draft-9"));
        validateEverySuggestedResource(response);

        JsonNode none = post(ORDER_SIGN, orderRequest("order-sign", ORDER_SIGN, drafts(lisinopril("rx-1")), null));
        assertEquals(0, none.get("cards").size(), "no aromatase inhibitor ordered: no cards");
    }

    @Test
    void orderSelectWithoutTheAiSelectedGivesNoCards() throws IOException {
        JsonNode response = post(ORDER_SELECT, orderRequest("order-select", ORDER_SELECT,
                drafts(anastrozoleDaily("draft-1"), lisinopril("draft-2")), List.of("MedicationRequest/draft-2")));
        assertEquals(0, response.get("cards").size());
    }

    @Test
    void aTestAlreadyDraftedIsNotSuggestedAgain() throws IOException {
        ServiceRequest estradiol = new ServiceRequest();
        estradiol.setId("sr-1");
        estradiol.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
        estradiol.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        estradiol.setCode(new CodeableConcept(new Coding("http://loinc.org", "35384-7", "Estradiol sensitive")));
        estradiol.setSubject(new Reference("Patient/p1"));
        // c01's man without his estradiol results: O1 asks for a sensitive estradiol before the AI (RULES.md §4)
        List<Resource> chart = CdsTestSupport.caseResources(CASE).stream()
                .filter(r -> !r.getIdElement().getIdPart().equals("p1-e2")).toList();
        ObjectNode request = orderRequest("order-sign", ORDER_SIGN, drafts(anastrozoleDaily("d-1")), null);
        request.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(ORDER_SIGN), chart, "p1"));
        JsonNode without = post(ORDER_SIGN, request);
        assertTrue(suggestedLoincs(without).contains("72873-3"), "the O1 card suggests a sensitive estradiol");
        request = orderRequest("order-sign", ORDER_SIGN, drafts(anastrozoleDaily("d-1"), estradiol), null);
        request.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(ORDER_SIGN), chart, "p1"));
        JsonNode with = post(ORDER_SIGN, request);
        assertTrue(!suggestedLoincs(with).contains("72873-3"), "already in the ordering session: " + suggestedLoincs(with));
    }

    @Test
    void patientViewSuggestionsAreValidFhirToo() throws IOException {
        for (String name : List.of("c06-man-no-baseline-dxa", "c08-vitd-low-and-calcium-overdue", "c12-e2-from-a-standard-assay")) {
            ObjectNode request = CdsTestSupport.request("patient-view", "p1");
            CdsTestSupport.asOf(request, AS_OF);
            request.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(CdsTestSupport.PATIENT_VIEW),
                    CdsTestSupport.caseResources(name), "p1"));
            JsonNode response = post(CdsTestSupport.PATIENT_VIEW, request);
            assertTrue(!suggestedLoincs(response).isEmpty(), name + " suggests tests");
            validateEverySuggestedResource(response);
        }
    }

    static List<String> suggestedLoincs(JsonNode response) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : response.get("cards")) {
            for (JsonNode s : c.path("suggestions")) {
                for (JsonNode a : s.get("actions")) {
                    if (a.has("resource") && a.get("resource").get("resourceType").asText().equals("ServiceRequest")) {
                        out.add(a.get("resource").get("code").get("coding").get(0).get("code").asText());
                    }
                }
            }
        }
        return out;
    }

    /** Zero errors from the FHIR R4 validator for every create/update resource of every card. */
    static void validateEverySuggestedResource(JsonNode response) {
        int checked = 0;
        for (JsonNode c : response.get("cards")) {
            for (JsonNode s : c.path("suggestions")) {
                for (JsonNode a : s.get("actions")) {
                    if (!a.has("resource")) {
                        continue;
                    }
                    ValidationResult result = validator.validateWithResult(a.get("resource").toString());
                    List<SingleValidationMessage> errors = result.getMessages().stream()
                            .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                            .toList();
                    assertTrue(errors.isEmpty(), a.get("resource").get("resourceType").asText() + ": "
                            + errors.stream().map(m -> m.getLocationString() + " " + m.getMessage()).collect(Collectors.joining("; ")));
                    checked++;
                }
            }
        }
        assertTrue(checked > 0, "there were resources to validate");
    }
}
