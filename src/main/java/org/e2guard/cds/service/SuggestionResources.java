package org.e2guard.cds.service;

import java.util.List;

import org.e2guard.cds.api.CdsAction;
import org.e2guard.engine.Rule;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.timeline.Numbers;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.SimpleQuantity;
import org.hl7.fhir.r4.model.Timing;

import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The FHIR side of card suggestions: ServiceRequests to create, a draft MedicationRequest
 * changed to the suggested dose, a draft to delete. Resources are built as HAPI model objects and
 * encoded by HAPI; no FHIR JSON is written by hand.
 */
@ApplicationScoped
public class SuggestionResources {
    static final String LOINC = "http://loinc.org";
    static final String UCUM = "http://unitsofmeasure.org";

    private final FhirContext ctx;

    public SuggestionResources(FhirContext ctx) {
        this.ctx = ctx;
    }

    /** A draft order for a test, proposed for the patient by the rules that asked for it. */
    public CdsAction createServiceRequest(Orderable o, String patientId, String userId, List<Rule> because) {
        ServiceRequest sr = new ServiceRequest();
        sr.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
        sr.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        sr.addCategory(new CodeableConcept(new Coding(Canonical.SNOMED, o.category().code(), o.category().display())));
        sr.setCode(new CodeableConcept(new Coding(LOINC, o.loinc(), o.loincDisplay())).setText(o.text()));
        sr.setSubject(new Reference("Patient/" + patientId));
        if (userId.startsWith("Practitioner/") || userId.startsWith("PractitionerRole/")) {
            sr.setRequester(new Reference(userId));
        }
        for (Rule r : because) {
            sr.addReasonCode(new CodeableConcept(new Coding(Canonical.RULE_SYSTEM, r.code(), r.title())));
        }
        return new CdsAction("create", "Create a draft order: " + o.text(), tree(sr), null);
    }

    /**
     * The draft order, whole, with its dosage replaced by {@code doseMg} mg {@code perWeek} times a
     * week (route and method kept). Everything else is left as the clinician drafted it.
     */
    public CdsAction updateDose(MedicationRequest draft, double doseMg, int perWeek) {
        MedicationRequest changed = draft.copy();
        Dosage old = draft.getDosageInstructionFirstRep();
        Dosage d = new Dosage();
        d.setText(doseText(doseMg, perWeek));
        d.getTiming().getRepeat().setFrequency(perWeek).setPeriod(1).setPeriodUnit(Timing.UnitsOfTime.WK);
        if (old.hasRoute()) {
            d.setRoute(old.getRoute());
        }
        if (old.hasMethod()) {
            d.setMethod(old.getMethod());
        }
        SimpleQuantity q = new SimpleQuantity();
        q.setValue(doseMg).setUnit("mg").setSystem(UCUM).setCode("mg");
        d.addDoseAndRate().setDose(q);
        changed.getDosageInstruction().clear();
        changed.addDosageInstruction(d);
        return new CdsAction("update", "Change the draft order to " + doseText(doseMg, perWeek)
                + " (dose and timing only; review the quantity to dispense)", tree(changed), null);
    }

    public CdsAction delete(String reference, String what) {
        return new CdsAction("delete", "Remove the draft " + what + " order", null, reference);
    }

    public static String doseText(double doseMg, int perWeek) {
        String times = switch (perWeek) {
            case 1 -> "once weekly";
            case 2 -> "twice weekly";
            case 7 -> "daily";
            default -> perWeek + " times weekly";
        };
        return Numbers.format(doseMg) + " mg " + times;
    }

    /** HAPI's JSON for the resource, written into the card as it is (no second pass through a tree). */
    private String tree(Resource r) {
        return ctx.newJsonParser().encodeResourceToString(r);
    }
}
