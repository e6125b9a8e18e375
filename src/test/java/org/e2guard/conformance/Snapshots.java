package org.e2guard.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.StructureDefinition;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;

/**
 * The snapshot generator of e2guard's StructureDefinitions. The differential of each
 * {@code fhir-profiles/StructureDefinition-*.json} is the authored source; the snapshot is
 * computed from it and the R4 base by HAPI (the same generator the validator would run) and
 * committed, so that the published files are complete for any tool and the service needs no
 * snapshot generation at start-up.
 * <p>
 * After editing a differential, regenerate with
 * {@code ./mvnw -o test -Dtest=SnapshotsTest -De2guard.snapshots.write=true};
 * {@link SnapshotsTest} fails while a committed snapshot differs from the regenerated one.
 */
final class Snapshots {
    static final Path DIRECTORY = Path.of(ConformanceResources.DIRECTORY);

    private Snapshots() {
    }

    /** File name to the text it should have: every StructureDefinition with a fresh snapshot. */
    static Map<String, String> regenerate(FhirContext ctx, Path dir) {
        List<ConformanceResources.Entry> published = ConformanceResources.load(ctx, name -> read(dir.resolve(name)));
        PrePopulatedValidationSupport own = new PrePopulatedValidationSupport(ctx);
        List<ConformanceResources.Entry> definitions = new ArrayList<>();
        for (ConformanceResources.Entry e : published) {
            if (e.resource() instanceof StructureDefinition sd) {
                StructureDefinition differentialOnly = sd.copy();
                differentialOnly.setSnapshot(null);
                own.addResource(differentialOnly);
                definitions.add(new ConformanceResources.Entry(e.fileName(), differentialOnly));
            } else {
                own.addResource(e.resource());
            }
        }
        ValidationSupportChain chain = new ValidationSupportChain(new DefaultProfileValidationSupport(ctx),
                new CommonCodeSystemsTerminologyService(ctx), new InMemoryTerminologyServerValidationSupport(ctx),
                own, new SnapshotGeneratingValidationSupport(ctx));
        SnapshotGeneratingValidationSupport generator = new SnapshotGeneratingValidationSupport(ctx);
        // extensions first: the profiles' snapshots include the extensions' definitions
        definitions.sort(Comparator.comparing((ConformanceResources.Entry e) ->
                !"Extension".equals(((StructureDefinition) e.resource()).getType())).thenComparing(ConformanceResources.Entry::fileName));
        Map<String, String> out = new LinkedHashMap<>();
        for (ConformanceResources.Entry e : definitions) {
            StructureDefinition sd = ((StructureDefinition) e.resource()).copy();
            StructureDefinition generated = (StructureDefinition) generator.generateSnapshot(
                    new ValidationSupportContext(chain), sd, sd.getUrl(), "https://e2guard.org/fhir", sd.getName());
            if (generated == null || !generated.hasSnapshot()) {
                throw new IllegalStateException("no snapshot generated for " + e.fileName());
            }
            out.put(e.fileName(), encode(ctx, generated));
        }
        return out;
    }

    /** The committed form of a resource: HAPI's pretty JSON and a final newline. */
    static String encode(FhirContext ctx, org.hl7.fhir.instance.model.api.IBaseResource r) {
        return ctx.newJsonParser().setPrettyPrint(true).encodeResourceToString(r) + "\n";
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
