package org.e2guard.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.hl7.fhir.r4.model.ImplementationGuide;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;

/**
 * The conformance resources e2guard publishes in {@code fhir-profiles/} (copied onto the class
 * path by the build). The ImplementationGuide resource is the manifest: it lists every other
 * file, so that loading does not depend on listing a class-path directory (which a packaged
 * application cannot do reliably), and a test keeps the manifest and the folder in step.
 */
public final class ConformanceResources {
    /** Folder of the published resources, in the repository and on the class path. */
    public static final String DIRECTORY = "fhir-profiles";
    /** The manifest: an ImplementationGuide whose definition.resource lists every other file. */
    public static final String MANIFEST = "ImplementationGuide-e2guard.json";
    /**
     * Element paths and types of the FHIR R5 SubscriptionTopic, in the format of the FHIR
     * validator's {@code xver-paths-5.0.json}: with it the validator can check the R5
     * cross-version extensions of the backported SubscriptionTopic offline (it would otherwise
     * need the R5 package from the network). Derived from the R5 core package's
     * StructureDefinition-SubscriptionTopic.json; only SubscriptionTopic is covered.
     */
    public static final String XVER_R5_PATHS = "fhir-validation/xver-paths-5.0.json";
    /** The key under which the validator looks the paths up. */
    public static final String XVER_R5_KEY = "xver-paths-5.0.json";

    /** One published file and its resource. */
    public record Entry(String fileName, Resource resource) {
    }

    private ConformanceResources() {
    }

    /** Every published resource from the class path, the manifest first. */
    public static List<Entry> load(FhirContext ctx) {
        return load(ctx, ConformanceResources::classPathText);
    }

    /**
     * Every published resource, the manifest first.
     *
     * @param text reads a file of the folder by name; null when it is missing
     */
    public static List<Entry> load(FhirContext ctx, Function<String, String> text) {
        var parser = ctx.newJsonParser();
        ImplementationGuide manifest = parser.parseResource(ImplementationGuide.class, required(text, MANIFEST));
        List<Entry> out = new ArrayList<>();
        out.add(new Entry(MANIFEST, manifest));
        for (String file : listedFiles(manifest)) {
            out.add(new Entry(file, (Resource) parser.parseResource(required(text, file))));
        }
        return out;
    }

    /** The file names the manifest lists: {@code Type/id} is published as {@code Type-id.json}. */
    public static List<String> listedFiles(ImplementationGuide manifest) {
        List<String> files = new ArrayList<>();
        for (ImplementationGuide.ImplementationGuideDefinitionResourceComponent r : manifest.getDefinition().getResource()) {
            files.add(r.getReference().getReference().replace('/', '-') + ".json");
        }
        return files;
    }

    /** The R5 SubscriptionTopic paths for the validator (see {@link #XVER_R5_PATHS}). */
    public static byte[] xverR5Paths() {
        try (InputStream in = ConformanceResources.class.getClassLoader().getResourceAsStream(XVER_R5_PATHS)) {
            if (in == null) {
                throw new IllegalStateException("missing " + XVER_R5_PATHS);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String required(Function<String, String> text, String file) {
        String s = text.apply(file);
        if (s == null) {
            throw new IllegalStateException("missing conformance resource " + DIRECTORY + "/" + file);
        }
        return s;
    }

    private static String classPathText(String file) {
        try (InputStream in = ConformanceResources.class.getClassLoader().getResourceAsStream(DIRECTORY + "/" + file)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
