package org.e2guard.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.e2guard.engine.Action;
import org.e2guard.engine.Engine;
import org.e2guard.engine.Rule;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.e2guard.validation.FhirValidation;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.ImplementationGuide;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Every file of {@code fhir-profiles/} is valid FHIR R4 (zero errors from the offline
 * validator, which also knows every other published resource), is listed in the manifest, and
 * agrees with the code: the rules, actions and canonical URLs e2guard emits.
 */
@QuarkusTest
class ConformanceResourcesTest {
    static final Path DIR = Path.of(ConformanceResources.DIRECTORY);

    @Inject
    FhirValidation validation;
    @Inject
    FhirContext ctx;

    static Stream<String> files() throws IOException {
        try (Stream<Path> list = Files.list(DIR)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void isValid(String file) throws IOException {
        ValidationAssertions.assertNoErrors(validation.validator().validate(Files.readString(DIR.resolve(file))), file);
    }

    @Test
    void anInvalidResourceFails() throws IOException {
        // proves the test above can fail: a CodeSystem without its required status
        CodeSystem cs = (CodeSystem) resources().get(Canonical.RULE_SYSTEM);
        CodeSystem broken = cs.copy().setStatus(null);
        broken.getConceptFirstRep().setCode(null);
        ValidationAssertions.assertError(validation.validator().validate(broken), "status", "a CodeSystem without status");
    }

    @Test
    void theManifestListsEveryFileAndNothingElse() throws IOException {
        ImplementationGuide ig = ctx.newJsonParser().parseResource(ImplementationGuide.class,
                Files.readString(DIR.resolve(ConformanceResources.MANIFEST)));
        Set<String> listed = new TreeSet<>(ConformanceResources.listedFiles(ig));
        listed.add(ConformanceResources.MANIFEST);
        assertEquals(new TreeSet<>(files().toList()), listed, "ImplementationGuide-e2guard.json must list every file");
        Set<String> documented = new TreeSet<>();
        String readme = Files.readString(DIR.resolve("README.md"));
        for (String f : listed) {
            if (!readme.contains(f)) {
                documented.add(f);
            }
        }
        assertEquals(Set.of(), documented, "fhir-profiles/README.md must explain every file");
    }

    @Test
    void namesUrlsAndVersionsFollowTheConventions() throws IOException {
        for (String file : files().toList()) {
            Resource r = (Resource) ctx.newJsonParser().parseResource(Files.readString(DIR.resolve(file)));
            assertEquals(r.fhirType() + "-" + r.getIdElement().getIdPart() + ".json", file, "file name of " + file);
            if (r instanceof MetadataResource m) {
                assertEquals(Canonical.BASE + "/" + r.fhirType() + "/" + r.getIdElement().getIdPart(), m.getUrl(), file);
                assertEquals(Engine.RULESET_VERSION, m.getVersion(), "version of " + file + " follows the ruleset");
                assertEquals(Enumerations.PublicationStatus.ACTIVE, m.getStatus(), file);
                assertEquals("e2guard", m.getPublisher(), file);
            } else if (r instanceof Basic topic) {
                assertEquals(Canonical.BASE + "/SubscriptionTopic/e2guard-input", topic.getExtensionString(
                        "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.url"));
                assertEquals(Engine.RULESET_VERSION, topic.getExtensionString(
                        "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.version"));
            }
        }
    }

    @Test
    void theRuleCodeSystemIsTheEnginesRules() {
        CodeSystem cs = (CodeSystem) resources().get(Canonical.RULE_SYSTEM);
        assertEquals(Engine.RULESET_VERSION, cs.getVersion(), "the rule code system is versioned with the ruleset");
        assertEquals(Rule.values().length, cs.getConcept().size());
        assertEquals(Rule.values().length, cs.getCount());
        for (Rule rule : Rule.values()) {
            CodeSystem.ConceptDefinitionComponent c = cs.getConcept().stream()
                    .filter(x -> x.getCode().equals(rule.code())).findFirst().orElse(null);
            assertNotNull(c, "rule " + rule.code() + " is missing from CodeSystem-rule.json");
            // the display must be what DetectedIssue.code carries, or the validator flags every output
            Coding emitted = FindingResources.code(rule).getCoding().get(1);
            assertEquals(emitted.getDisplay(), c.getDisplay(), rule.code());
            assertEquals(rule.id(), c.getProperty().stream().filter(p -> p.getCode().equals("rule-id"))
                    .findFirst().orElseThrow().getValue().primitiveValue(), "short id of " + rule.code());
            assertEquals(rule.family().name().toLowerCase(), c.getProperty().stream()
                    .filter(p -> p.getCode().equals("family")).findFirst().orElseThrow().getValue().primitiveValue());
            assertTrue(c.getDefinition().length() > 40, "definition of " + rule.code());
        }
    }

    @Test
    void theActionCodeSystemIsTheEnginesActions() {
        CodeSystem cs = (CodeSystem) resources().get(Canonical.ACTION_SYSTEM);
        Map<String, String> published = cs.getConcept().stream()
                .collect(Collectors.toMap(CodeSystem.ConceptDefinitionComponent::getCode,
                        CodeSystem.ConceptDefinitionComponent::getDisplay));
        Map<String, String> engine = Arrays.stream(Action.values()).collect(Collectors.toMap(Action::code, Action::display));
        assertEquals(engine, published);
    }

    @Test
    void theFlagCodeIsPublished() {
        CodeSystem cs = (CodeSystem) resources().get(Canonical.FLAG_SYSTEM);
        Coding emitted = new FindingResources("test").flag("Patient/x", List.of(), List.of(), java.time.Instant.EPOCH)
                .getCode().getCoding().stream().filter(c -> Canonical.FLAG_SYSTEM.equals(c.getSystem()))
                .findFirst().orElseThrow();
        assertEquals(1, cs.getConcept().size());
        assertEquals(emitted.getCode(), cs.getConceptFirstRep().getCode());
        assertEquals(emitted.getDisplay(), cs.getConceptFirstRep().getDisplay());
    }

    @Test
    void everyCanonicalTheOutputsUseIsPublished() {
        Map<String, Resource> byUrl = resources();
        for (String url : List.of(Canonical.PROFILE_DETECTED_ISSUE, Canonical.PROFILE_FLAG, Canonical.PROFILE_DEVICE,
                Canonical.EXT_RULESET_VERSION, Canonical.EXT_THRESHOLD, Canonical.EXT_WINDOW, Canonical.EXT_ACTION,
                Canonical.EXT_SOURCE)) {
            assertTrue(byUrl.get(url) instanceof StructureDefinition sd && sd.hasSnapshot(), url + " (with snapshot)");
        }
        for (String url : List.of(Canonical.RULE_SYSTEM, Canonical.ACTION_SYSTEM, Canonical.FLAG_SYSTEM)) {
            CodeSystem cs = (CodeSystem) byUrl.get(url);
            assertNotNull(cs, url);
            assertTrue(byUrl.get(cs.getValueSet()) instanceof ValueSet, "value set of " + url);
        }
        for (String name : ValueSetLoader.PUBLISHED) {
            assertTrue(byUrl.get(Canonical.BASE + "/ValueSet/" + name) instanceof ValueSet, "engine value set " + name);
        }
    }

    @Test
    void theCapabilityStatementNamesWhatIsPublished() {
        Map<String, Resource> byUrl = resources();
        CapabilityStatement cs = (CapabilityStatement) byUrl.get(Canonical.BASE + "/CapabilityStatement/e2guard");
        List<String> operations = new ArrayList<>();
        for (CapabilityStatement.CapabilityStatementRestResourceOperationComponent op : cs.getRestFirstRep().getOperation()) {
            operations.add(op.getName());
            assertNotNull(byUrl.get(op.getDefinition()), op.getDefinition());
        }
        assertEquals(List.of("evaluate", "validate", "evaluate-population"), operations);
        Map<String, String> profiles = new HashMap<>();
        cs.getRestFirstRep().getResource().forEach(r -> profiles.put(r.getType(), r.getProfile()));
        assertEquals(Canonical.PROFILE_DETECTED_ISSUE, profiles.get("DetectedIssue"));
        assertEquals(Canonical.PROFILE_FLAG, profiles.get("Flag"));
        assertEquals(Canonical.PROFILE_DEVICE, profiles.get("Device"));
        assertNotNull(byUrl.get(cs.getImplementationGuide().get(0).getValue()), "implementation guide");
    }

    /** The published resources by canonical URL, as the service loads them. */
    private Map<String, Resource> resources() {
        Map<String, Resource> byUrl = new HashMap<>();
        for (ConformanceResources.Entry e : ConformanceResources.load(ctx)) {
            if (e.resource() instanceof MetadataResource m) {
                byUrl.put(m.getUrl(), m);
            }
        }
        return byUrl;
    }
}
