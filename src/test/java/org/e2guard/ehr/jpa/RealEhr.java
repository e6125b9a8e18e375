package org.e2guard.ehr.jpa;

import java.util.ArrayList;
import java.util.List;

import org.e2guard.mapping.output.Canonical;
import org.e2guard.subscription.Fixtures;
import org.e2guard.subscription.SubscriptionRegistrar;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.SimpleRequestHeaderInterceptor;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;

/**
 * The test's view of the real EHR. Its own reads say {@code Cache-Control: no-cache} too: HAPI
 * answers an identical search from a 60 s cache otherwise, and the test would see the past.
 */
final class RealEhr {
    final FhirContext ctx = FhirContext.forR4Cached();
    final IGenericClient client;

    RealEhr(String base) {
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        // HAPI's default 10 s: a cold JPA server on a loaded machine takes longer over its first transactions
        ctx.getRestfulClientFactory().setSocketTimeout(120_000);
        client = ctx.newRestfulGenericClient(base);
        client.registerInterceptor(new SimpleRequestHeaderInterceptor("Cache-Control", "no-cache"));
    }

    /** Files the resources in one transaction under their own ids, as an EHR's interface engine would. */
    void post(List<? extends Resource> resources) {
        client.transaction().withBundle(Fixtures.transaction(resources)).execute();
    }

    <T extends Resource> List<T> search(Class<T> type, String patientParam, String pid) {
        Bundle b = client.search().forResource(type).where(new ReferenceClientParam(patientParam).hasId("Patient/" + pid))
                .count(200).returnBundle(Bundle.class).execute();
        return entries(b, type);
    }

    List<DetectedIssue> issues(String pid) {
        return search(DetectedIssue.class, "patient", pid);
    }

    List<Flag> flags(String pid) {
        return search(Flag.class, "subject", pid);
    }

    List<Provenance> provenancesOf(Resource target) {
        String ref = target.fhirType() + "/" + target.getIdElement().getIdPart() + "/_history/" + target.getMeta().getVersionId();
        Bundle b = client.search().forResource(Provenance.class).where(new ReferenceClientParam("target").hasId(ref))
                .count(50).returnBundle(Bundle.class).execute();
        return entries(b, Provenance.class);
    }

    /** e2guard's Subscriptions on the EHR (tagged by type), active or not. */
    List<Subscription> subscriptions() {
        List<Subscription> out = new ArrayList<>();
        for (String type : List.of("Observation", "MedicationStatement", "MedicationRequest", "Procedure")) {
            out.addAll(entries(client.search().forResource(Subscription.class)
                    .where(new TokenClientParam("_tag").exactly().systemAndCode(SubscriptionRegistrar.TAG_SYSTEM, type))
                    .returnBundle(Bundle.class).execute(), Subscription.class));
        }
        return out;
    }

    static String ruleCode(DetectedIssue di) {
        return di.getCode().getCoding().stream().filter(c -> Canonical.RULE_SYSTEM.equals(c.getSystem()))
                .findFirst().orElseThrow().getCode();
    }

    private static <T extends Resource> List<T> entries(Bundle b, Class<T> type) {
        List<T> out = new ArrayList<>();
        b.getEntry().forEach(e -> out.add(type.cast(e.getResource())));
        return out;
    }
}
