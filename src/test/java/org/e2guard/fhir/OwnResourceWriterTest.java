package org.e2guard.fhir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.e2guard.bench.SyntheticPatients;
import org.e2guard.engine.Rule;
import org.e2guard.engine.RuleMode;
import org.e2guard.engine.RuleModes;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.mapping.output.EvaluationBundle;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.mapping.record.SelectiveBundleReader;
import org.e2guard.mapping.terminology.CodeLists;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.e2guard.testing.GoldenCases;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.MarkdownType;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The answer of {@code $evaluate}, written by {@link OwnResourceWriter} entry by entry, is byte for
 * byte what HAPI writes for the whole Bundle: for every golden case (with its rules active, and
 * with every rule silent, which tags the findings), for a generated population, and for resources
 * holding what the writers do not cover, which HAPI must then write.
 */
class OwnResourceWriterTest {
    static final FhirContext CTX = FhirSupport.newContext();
    static final RulesConfig RULES = new SmallRyeConfigBuilder().withMapping(RulesConfig.class).build()
            .getConfigMapping(RulesConfig.class);
    static final EvaluationService SERVICE = new EvaluationService(RULES,
            new Terminology(new CodeLists(ValueSetLoader.load(CTX.newJsonParser(), null))), new SimpleMeterRegistry());
    static final RuleModes ALL_SILENT = new RuleModes(
            Arrays.stream(Rule.values()).collect(Collectors.toMap(r -> r, r -> RuleMode.SILENT)));

    final BundleEncoder encoder = new BundleEncoder(CTX);

    static Stream<GoldenCases.Case> cases() {
        return GoldenCases.all().stream();
    }

    static Bundle answer(byte[] body, Instant asOf, RuleModes modes) {
        SelectiveBundleReader.Selection in = new SelectiveBundleReader(CTX).read(FhirFormat.JSON,
                FhirInput.limited(new ByteArrayInputStream(body), Long.MAX_VALUE), Long.MAX_VALUE);
        EvaluationService.Report report = SERVICE.evaluate(in.index(), asOf, "test");
        return new EvaluationBundle(new FindingResources("test", modes)).build(report.evaluations(), report.notices(), asOf);
    }

    String streamed(Bundle b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encoder.write(b, FhirFormat.JSON, false, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    String hapi(Bundle b) {
        return FhirFormat.JSON.parser(CTX).encodeResourceToString(b);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void everyGoldenAnswerIsWrittenAsHapiWritesIt(GoldenCases.Case c) throws IOException {
        byte[] body = c.bundle().getBytes(StandardCharsets.UTF_8);
        Instant asOf = Instant.parse(c.asOf());
        for (RuleModes modes : List.of(RuleModes.ALL_ACTIVE, ALL_SILENT)) {
            Bundle answer = answer(body, asOf, modes);
            assertEquals(hapi(answer), streamed(answer), c.name() + " " + modes);
        }
    }

    @Test
    void aGeneratedPopulationIsWrittenAsHapiWritesIt() throws IOException {
        byte[] body = SyntheticPatients.bundle(60, 7).getBytes(StandardCharsets.UTF_8);
        Bundle answer = answer(body, Instant.parse("2026-07-01T00:00:00Z"), RuleModes.ALL_ACTIVE);
        assertEquals(hapi(answer), streamed(answer));
    }

    @Test
    void theResourcesE2guardBuildsAreWrittenByTheOwnWriters() throws IOException {
        Bundle answer = answer(GoldenCases.named("c01-man-e2-suppressed-transaction").bundle().getBytes(StandardCharsets.UTF_8),
                Instant.parse("2026-07-01T00:00:00Z"), RuleModes.ALL_ACTIVE);
        for (Bundle.BundleEntryComponent e : answer.getEntry()) {
            Resource r = e.getResource();
            OwnResourceWriter.Buffer written = OwnResourceWriter.write(r, new OwnResourceWriter.Buffer());
            if (r.fhirType().equals("Device")) {
                assertNull(written, "the one Device is HAPI's to write");
            } else {
                assertNotNull(written, r.fhirType() + " fell back to HAPI");
                assertEquals(CTX.newJsonParser().encodeResourceToString(r), written.toString());
            }
        }
    }

    /** Each of these holds something the writers do not cover: HAPI writes the resource, and the bytes stay its own. */
    static Stream<Map.Entry<String, Consumer<DetectedIssue>>> uncovered() {
        return Stream.of(
                change("narrative", di -> {
                    Narrative text = new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED);
                    text.setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>");
                    di.setText(text);
                }),
                change("extension on a primitive", di -> {
                    di.getDetailElement().addExtension(new Extension("https://example.org/x", new StringType("y")));
                }),
                change("markdown extension", di -> di.addExtension("https://example.org/m", new MarkdownType("*m*"))),
                change("contained resource", di -> di.addContained(new Patient().setActive(true))),
                change("element id", di -> di.getCode().setId("c1")),
                change("versioned id", di -> di.setId("DetectedIssue/d1/_history/2")),
                change("reference to a resource object", di -> di.setPatient(new Reference(new Patient().setActive(true)))),
                change("reference holding only a resource object", di -> {
                    Reference author = new Reference();
                    author.setResource(new Patient());
                    di.setAuthor(author);
                }),
                change("blank item in an array", di -> di.addImplicated(new Reference())),
                change("mitigation", di -> di.addMitigation().setAction(new CodeableConcept().setText("stop"))),
                change("modifier extension", di -> di.addModifierExtension(new Extension("https://example.org/mod",
                        new StringType("z")))));
    }

    static Map.Entry<String, Consumer<DetectedIssue>> change(String what, Consumer<DetectedIssue> change) {
        return Map.entry(what, change);
    }

    static DetectedIssue issue() {
        DetectedIssue di = new DetectedIssue();
        di.setId("d1");
        di.setStatus(DetectedIssue.DetectedIssueStatus.FINAL)
                .setCode(new CodeableConcept(new Coding("https://e2guard.org/rules", "E2_SUPPRESSED", "Estradiol \"suppressed\"")))
                .setPatient(new Reference("Patient/p1")).setDetail("Ã©stradiol < 5 pg/mL\n\u2014 **markdown** \\ end \t\u0001");
        di.addImplicated(new Reference("MedicationStatement/m1/_history/3"));
        return di;
    }

    @ParameterizedTest
    @MethodSource("uncovered")
    void whatTheWritersDoNotCoverIsLeftToHapi(Map.Entry<String, Consumer<DetectedIssue>> change) throws IOException {
        DetectedIssue di = issue();
        assertNotNull(OwnResourceWriter.write(di, new OwnResourceWriter.Buffer()), "the unchanged issue is covered");
        change.getValue().accept(di);
        assertNull(OwnResourceWriter.write(di, new OwnResourceWriter.Buffer()), change.getKey());
        Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
        b.addEntry().setFullUrl("urn:uuid:d1").setResource(di);
        assertEquals(hapi(b), streamed(b), change.getKey());
    }

    @Test
    void blankValuesAreLeftOutAsHapiLeavesThemOut() throws IOException {
        DetectedIssue di = issue().setDetail("   ").setReference("");
        di.getCode().setText(" ");
        Flag flag = new Flag().setStatus(Flag.FlagStatus.ACTIVE).setSubject(new Reference().setDisplay("only a display"));
        flag.setAuthor(new Reference());
        OperationOutcome oo = new OperationOutcome();
        oo.addIssue().setSeverity(OperationOutcome.IssueSeverity.WARNING).setCode(OperationOutcome.IssueType.PROCESSING)
                .addExpression("Bundle.entry[0]").addLocation("line 1");
        Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
        b.addEntry().setResource(di);
        b.addEntry().setResource(flag);
        b.addEntry().setResource(oo);
        assertEquals(hapi(b), streamed(b));
        assertNotNull(OwnResourceWriter.write(di, new OwnResourceWriter.Buffer()));
        assertNotNull(OwnResourceWriter.write(flag, new OwnResourceWriter.Buffer()));
    }
}
