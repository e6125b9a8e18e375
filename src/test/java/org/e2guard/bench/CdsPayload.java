package org.e2guard.bench;

import java.util.List;

import org.e2guard.testing.GoldenCases;
import org.e2guard.cds.CdsTestSupport;
import org.e2guard.cds.service.CdsCatalog;
import org.e2guard.cds.service.CdsService;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Prints a patient-view request for a golden case with full prefetch, computed from the service's
 * own discovery templates exactly as the CDS tests do: the payload of {@code bench/cds-load.sh}
 * and of the README's curl example. Usage: {@code CdsPayload [case] [patientId] [hook]}; for
 * {@code order-select} the draft is anastrozole 1 mg daily.
 */
public final class CdsPayload {
    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "c02-man-e2-very-low-on-1mg-daily";
        String patient = args.length > 1 ? args[1] : "p1";
        String hook = args.length > 2 ? args[2] : "patient-view";
        CdsService service = new CdsCatalog(ValueSetLoader.load(CdsTestSupport.CTX.newJsonParser(), null))
                .service("e2guard-" + hook).orElseThrow();
        JsonNode templates = CdsTestSupport.JSON.valueToTree(service.descriptor().prefetch());
        List<Resource> resources = CdsTestSupport.caseResources(name);
        ObjectNode request = CdsTestSupport.request(hook, patient);
        if (!hook.equals("patient-view")) {
            Bundle drafts = new Bundle().setType(Bundle.BundleType.COLLECTION);
            drafts.addEntry().setResource(CdsTestSupport.anastrozoleDaily("draft-1", patient));
            ObjectNode context = (ObjectNode) request.get("context");
            context.set("draftOrders", CdsTestSupport.tree(drafts));
            if (hook.equals("order-select")) {
                context.putArray("selections").add("MedicationRequest/draft-1");
            }
        }
        request.put("hookInstance", "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea");
        CdsTestSupport.asOf(request, GoldenCases.named(name).asOf());
        request.set("prefetch", CdsTestSupport.prefetch(templates, resources, patient));
        System.out.println(request.toPrettyString());
    }
}
