package org.e2guard.bench;

import java.util.List;

import org.e2guard.cds.CdsTestSupport;
import org.e2guard.cds.service.CdsCatalog;
import org.e2guard.cds.service.CdsService;
import org.e2guard.fhir.terminology.ValueSetLoader;
import org.hl7.fhir.r4.model.Resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Prints a patient-view request for a golden case with full prefetch, computed from the service's
 * own discovery templates exactly as the CDS tests do: the payload of {@code bench/cds-load.sh}
 * and of the README's curl example. Usage: {@code CdsPayload [case] [patientId]}.
 */
public final class CdsPayload {
    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "02-male-e2-very-low-high-dose";
        String patient = args.length > 1 ? args[1] : "p1";
        CdsService service = new CdsCatalog(ValueSetLoader.load(CdsTestSupport.CTX.newJsonParser(), null))
                .service(CdsTestSupport.PATIENT_VIEW).orElseThrow();
        JsonNode templates = CdsTestSupport.JSON.valueToTree(service.descriptor().prefetch());
        List<Resource> resources = CdsTestSupport.caseResources(name);
        ObjectNode request = CdsTestSupport.request("patient-view", patient);
        request.put("hookInstance", "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea");
        CdsTestSupport.asOf(request, CdsTestSupport.expected(name).get("asOf").asText());
        request.set("prefetch", CdsTestSupport.prefetch(templates, resources, patient));
        System.out.println(request.toPrettyString());
    }
}
