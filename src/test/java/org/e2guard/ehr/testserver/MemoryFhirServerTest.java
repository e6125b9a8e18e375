package org.e2guard.ehr.testserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;

/** The test EHR itself behaves like a FHIR server where e2guard relies on it. */
class MemoryFhirServerTest {
    static MemoryFhirServer server;
    static IGenericClient client;

    @BeforeAll
    static void start() {
        server = MemoryFhirServer.start(0);
        FhirContext ctx = FhirContext.forR4Cached();
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        client = ctx.newRestfulGenericClient(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void conditionalUpdateCreatesOnceThenUpdatesAndSkipsNoOps() {
        TokenClientParam identifier = new TokenClientParam("identifier");
        DetectedIssue di = new DetectedIssue();
        di.addIdentifier().setSystem("urn:x").setValue("k1");
        di.setStatus(DetectedIssue.DetectedIssueStatus.FINAL);
        di.setPatient(new Reference("Patient/p"));
        MethodOutcome first = client.update().resource(di).conditional().where(identifier.exactly().systemAndIdentifier("urn:x", "k1")).execute();
        assertTrue(first.getCreated());
        String id = first.getId().getIdPart();
        MethodOutcome same = client.update().resource(di).conditional().where(identifier.exactly().systemAndIdentifier("urn:x", "k1")).execute();
        assertEquals(id, same.getId().getIdPart());
        assertEquals("1", same.getId().getVersionIdPart(), "an identical update makes no version");
        di.setDetail("changed");
        MethodOutcome changed = client.update().resource(di).conditional().where(identifier.exactly().systemAndIdentifier("urn:x", "k1")).execute();
        assertEquals("2", changed.getId().getVersionIdPart());
        assertFalse(Boolean.TRUE.equals(changed.getCreated()));

        client.create().resource(di).execute();
        assertThrows(PreconditionFailedException.class, () -> client.update().resource(di).conditional()
                .where(identifier.exactly().systemAndIdentifier("urn:x", "k1")).execute());
    }

    @Test
    void searchesPageAndFilterByPatientAndCode() {
        for (int i = 0; i < 7; i++) {
            Observation o = new Observation();
            o.getCode().addCoding().setSystem("http://loinc.org").setCode(i % 2 == 0 ? "35384-7" : "999-9");
            o.setSubject(new Reference("Patient/paging"));
            client.create().resource(o).execute();
        }
        Bundle page = client.search().forResource(Observation.class)
                .where(new ca.uhn.fhir.rest.gclient.ReferenceClientParam("patient").hasId("paging"))
                .and(new TokenClientParam("code").exactly().systemAndCode("http://loinc.org", "35384-7"))
                .count(2).returnBundle(Bundle.class).execute();
        int total = page.getEntry().size();
        int pages = 1;
        while (page.getLink("next") != null) {
            page = client.loadPage().next(page).execute();
            total += page.getEntry().size();
            pages++;
        }
        assertEquals(4, total);
        assertEquals(2, pages);
    }
}
