package org.e2guard.fhir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;

/** The streamed encoding is byte for byte what HAPI writes for the whole resource. */
class BundleEncoderTest {
    static final FhirContext CTX = FhirSupport.newContext();
    final BundleEncoder encoder = new BundleEncoder(CTX);

    static Bundle answer() {
        Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION).setTimestamp(new Date(1_780_000_000_123L));
        b.setId("0f8fad5b-d9cb-469f-a165-70867728950e");
        DetectedIssue di = new DetectedIssue();
        di.setId("7c9e6679-7425-40de-944b-e07fc1f90ae7");
        di.setStatus(DetectedIssue.DetectedIssueStatus.PRELIMINARY)
                .setCode(new CodeableConcept(new Coding("https://e2guard.org/rules", "E2_SUPPRESSED", "Estradiol \"suppressed\"")))
                .setPatient(new Reference("Patient/p1")).setDetail("Ã©stradiol < 5 pg/mL\n\u2014 **markdown** \\ end");
        b.addEntry().setFullUrl("urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7").setResource(di);
        Flag flag = new Flag().setStatus(Flag.FlagStatus.ACTIVE).setSubject(new Reference("Patient/p1"));
        flag.setId("Flag/a1");
        b.addEntry().setFullUrl("urn:uuid:a1").setResource(flag);
        OperationOutcome oo = new OperationOutcome();
        oo.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION).setCode(OperationOutcome.IssueType.INFORMATIONAL)
                .setDiagnostics("3 Claim resource(s) ignored");
        b.addEntry().setResource(oo);
        b.addEntry().setFullUrl("urn:uuid:empty");
        return b;
    }

    String streamed(IBaseResource r, FhirFormat format, boolean pretty) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encoder.write(r, format, pretty, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    String hapi(IBaseResource r, FhirFormat format, boolean pretty) {
        return format.parser(CTX).setPrettyPrint(pretty).encodeResourceToString(r);
    }

    @Test
    void anAnswerIsWrittenEntryByEntryAsHapiWritesItWhole() throws IOException {
        assertEquals(hapi(answer(), FhirFormat.JSON, false), streamed(answer(), FhirFormat.JSON, false));
    }

    @Test
    void anyOtherBundleOrFormatIsWrittenByHapiWhole() throws IOException {
        Bundle linked = answer();
        linked.addLink().setRelation("next").setUrl("https://example.org/next");
        linked.getEntryFirstRep().getSearch().setMode(Bundle.SearchEntryMode.MATCH);
        assertEquals(hapi(linked, FhirFormat.JSON, false), streamed(linked, FhirFormat.JSON, false));
        assertEquals(hapi(answer(), FhirFormat.JSON, true), streamed(answer(), FhirFormat.JSON, true));
        assertEquals(hapi(answer(), FhirFormat.XML, false), streamed(answer(), FhirFormat.XML, false));
        OperationOutcome oo = (OperationOutcome) answer().getEntry().get(2).getResource();
        assertEquals(hapi(oo, FhirFormat.JSON, false), streamed(oo, FhirFormat.JSON, false));
    }
}
