package org.e2guard.cds;

import static org.e2guard.cds.CdsTestSupport.JSON;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/**
 * Data that prefetch did not supply comes from the EHR's FHIR server (a real HAPI server over
 * HTTP, bearer token required, three resources per page), and prefetch in every shape the
 * specification allows: absent, null, a paged Bundle, an OperationOutcome. Without a way to get
 * what is needed, the answer is 412 with the reason.
 *
 * <p>Case 07 (BMD falling fast) needs both DXA dates: its four DXA Observations span two pages,
 * so B3 fires only if the next page is read.
 */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class CdsFhirServerTest {
    static final String CASE = "c07-man-spine-bmd-falling-fast";
    static final String AS_OF = "2026-07-01T00:00:00Z";
    static final List<String> EXPECTED = List.of("BMD_DECLINE high");
    static final String URL = "/cds-services/" + PATIENT_VIEW;

    @BeforeAll
    static void ehrHoldsThePatients() {
        List<Resource> resources = CdsTestSupport.caseResources(CASE);
        for (String id : List.of("srv-1", "srv-2", "srv-3", "srv-4", "srv-5", "srv-6")) {
            CdsTestSupport.store(CdsTestSupport.forPatient(resources, "p1", id));
        }
    }

    static ObjectNode request(String patientId) {
        ObjectNode r = CdsTestSupport.request("patient-view", patientId);
        CdsTestSupport.asOf(r, AS_OF);
        return r;
    }

    static ObjectNode fullPrefetch(String patientId) {
        return CdsTestSupport.prefetch(CdsTestSupport.templates(PATIENT_VIEW),
                CdsTestSupport.forPatient(CdsTestSupport.caseResources(CASE), "p1", patientId), patientId);
    }

    static ValidatableResponse post(ObjectNode request) {
        return CdsTestSupport.cds(URL).body(request.toString()).post(URL).then();
    }

    static List<String> findings(ObjectNode request) throws IOException {
        return CdsTestSupport.cardFindings(JSON.readTree(post(request).statusCode(200).extract().asString()));
    }

    @Test
    void noPrefetchAtAllIsReadFromTheFhirServerAcrossPages() throws IOException {
        ObjectNode r = request("srv-1");
        CdsTestSupport.fhirServer(r);
        assertEquals(EXPECTED, findings(r));
    }

    @Test
    void theSameCaseFromPrefetchAloneGivesTheSameFindings() throws IOException {
        ObjectNode r = request("srv-2");
        r.set("prefetch", fullPrefetch("srv-2"));
        assertEquals(EXPECTED, findings(r), "no fhirServer needed when prefetch is complete");
    }

    @Test
    void missingKeysAreFetchedAndPresentOnesUsed() throws IOException {
        ObjectNode r = request("srv-2");
        ObjectNode prefetch = fullPrefetch("srv-2");
        prefetch.remove("dxa");
        prefetch.remove("patient");
        r.set("prefetch", prefetch);
        CdsTestSupport.fhirServer(r);
        assertEquals(EXPECTED, findings(r));
    }

    @Test
    void nullPrefetchMeansNoDataAndNeedsNoServer() throws IOException {
        ObjectNode r = request("srv-3");
        ObjectNode prefetch = fullPrefetch("srv-3");
        prefetch.putNull("conditions");
        prefetch.putNull("riskObservations");
        prefetch.putNull("dxaReports");
        r.set("prefetch", prefetch);
        assertEquals(EXPECTED, findings(r));

        // null for the DXA key: the EHR says there is no DXA; e2guard believes it (M1, not B3)
        ObjectNode noDxa = request("srv-3");
        ObjectNode p2 = fullPrefetch("srv-3");
        p2.putNull("dxa");
        noDxa.set("prefetch", p2);
        List<String> f = findings(noDxa);
        assertTrue(f.contains("DXA_NO_BASELINE moderate"), f.toString());
    }

    @Test
    void aPagedPrefetchBundleIsCompletedFromTheServer() throws IOException {
        ObjectNode prefetch = fullPrefetch("srv-4");
        // the first page of the EHR's own answer to the dxa template, with its next link
        String dxaQuery = CdsTestSupport.templates(PATIENT_VIEW).get("dxa").asText().replace("{{context.patientId}}", "srv-4");
        Bundle firstPage = CdsTestSupport.ehr().search().byUrl(dxaQuery).returnBundle(Bundle.class).execute();
        assertNotNull(firstPage.getLink(Bundle.LINK_NEXT), "the test server pages");
        assertEquals(EhrTestServer.PAGE_SIZE, firstPage.getEntry().size());
        prefetch.set("dxa", CdsTestSupport.tree(firstPage));

        ObjectNode withServer = request("srv-4");
        withServer.set("prefetch", prefetch);
        CdsTestSupport.fhirServer(withServer);
        assertEquals(EXPECTED, findings(withServer));

        ObjectNode withoutServer = request("srv-4");
        withoutServer.set("prefetch", prefetch);
        JsonNode oo = preconditionFailed(withoutServer);
        assertTrue(oo.toString().contains("'dxa' is one page of several"), oo.toString());
    }

    @Test
    void aNextLinkOffTheFhirServerIsNotFollowed() throws IOException {
        ObjectNode prefetch = fullPrefetch("srv-4");
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        page.addLink().setRelation(Bundle.LINK_NEXT).setUrl("https://elsewhere.example/fhir?page=2");
        prefetch.set("dxa", CdsTestSupport.tree(page));
        ObjectNode r = request("srv-4");
        r.set("prefetch", prefetch);
        CdsTestSupport.fhirServer(r);
        JsonNode oo = preconditionFailed(r);
        assertTrue(oo.toString().contains("outside fhirServer"), oo.toString());
    }

    @Test
    void anOperationOutcomeInPrefetchIsRefetched() throws IOException {
        OperationOutcome failed = new OperationOutcome();
        failed.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.TIMEOUT)
                .setDiagnostics("EHR search timed out");
        ObjectNode prefetch = fullPrefetch("srv-5");
        prefetch.set("dxa", CdsTestSupport.tree(failed));

        ObjectNode withServer = request("srv-5");
        withServer.set("prefetch", prefetch);
        CdsTestSupport.fhirServer(withServer);
        assertEquals(EXPECTED, findings(withServer));

        ObjectNode withoutServer = request("srv-5");
        withoutServer.set("prefetch", prefetch);
        JsonNode oo = preconditionFailed(withoutServer);
        assertTrue(oo.toString().contains("'dxa' is an OperationOutcome"), oo.toString());
    }

    @Test
    void aPrefetchOfAnotherPatientIsNeverEvaluated() throws IOException {
        // every key answered for srv-1, the call about srv-2: as if nothing had been prefetched
        ObjectNode withoutServer = request("srv-2");
        withoutServer.set("prefetch", fullPrefetch("srv-1"));
        String text = preconditionFailed(withoutServer).toString();
        assertTrue(text.contains("prefetch 'patient' holds data of another patient than context.patientId"), text);
        assertTrue(text.contains("prefetch 'dxa' holds data of another patient"), text);
        assertTrue(!text.contains("srv-1") && !text.contains("srv-2"), "no patient ids in the answer: " + text);

        ObjectNode withServer = request("srv-2");
        withServer.set("prefetch", fullPrefetch("srv-1"));
        CdsTestSupport.fhirServer(withServer);
        assertEquals(EXPECTED, findings(withServer), "srv-2's own data, read from the server");
    }

    @Test
    void anotherPatientsPatientResourceAloneIsRefetched() throws IOException {
        ObjectNode prefetch = fullPrefetch("srv-3");
        prefetch.set("patient", fullPrefetch("srv-1").get("patient"));
        ObjectNode withoutServer = request("srv-3");
        withoutServer.set("prefetch", prefetch);
        String text = preconditionFailed(withoutServer).toString();
        assertTrue(text.contains("prefetch 'patient' holds data of another patient"), text);
        assertTrue(!text.contains("'dxa'"), "the other keys are this patient's: " + text);

        ObjectNode withServer = request("srv-3");
        withServer.set("prefetch", prefetch);
        CdsTestSupport.fhirServer(withServer);
        assertEquals(EXPECTED, findings(withServer));
    }

    @Test
    void aSearchAnsweredWithAnotherPatientsResourcesIsRefetched() throws IOException {
        ObjectNode prefetch = fullPrefetch("srv-4");
        prefetch.set("dxa", fullPrefetch("srv-1").get("dxa"));
        ObjectNode withoutServer = request("srv-4");
        withoutServer.set("prefetch", prefetch);
        String text = preconditionFailed(withoutServer).toString();
        assertTrue(text.contains("prefetch 'dxa' holds data of another patient"), text);

        ObjectNode withServer = request("srv-4");
        withServer.set("prefetch", prefetch);
        CdsTestSupport.fhirServer(withServer);
        assertEquals(EXPECTED, findings(withServer), "B3 from srv-4's own DXA results");
    }

    @Test
    void neitherPrefetchNorServerIs412WithTheReason() throws IOException {
        JsonNode oo = preconditionFailed(request("srv-6"));
        assertEquals("OperationOutcome", oo.get("resourceType").asText());
        String text = oo.toString();
        assertTrue(text.contains("prefetch 'patient' was not sent"), text);
        assertTrue(text.contains("no fhirServer with fhirAuthorization"), text);
    }

    @Test
    void aFhirServerRefusingTheTokenIs412() throws IOException {
        ObjectNode r = request("srv-6");
        CdsTestSupport.fhirServer(r);
        ((ObjectNode) r.get("fhirAuthorization")).put("access_token", "not-the-right-token");
        JsonNode oo = preconditionFailed(r);
        assertTrue(oo.toString().contains("HTTP 401"), oo.toString());
        assertTrue(!oo.toString().contains("not-the-right-token"), "the token is never echoed");
    }

    @Test
    void anUnreachableFhirServerIs412() throws IOException {
        ObjectNode r = request("srv-6");
        CdsTestSupport.fhirServer(r);
        r.put("fhirServer", "http://127.0.0.1:9/fhir");
        JsonNode oo = preconditionFailed(r);
        assertTrue(oo.toString().contains("could not be reached"), oo.toString());
    }

    static JsonNode preconditionFailed(ObjectNode request) throws IOException {
        return JSON.readTree(post(request).statusCode(412).extract().asString());
    }
}
