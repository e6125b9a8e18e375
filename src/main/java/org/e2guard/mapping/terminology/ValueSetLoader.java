package org.e2guard.mapping.terminology;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.ValueSet;

import ca.uhn.fhir.parser.IParser;

/**
 * Loads the published value sets from {@code fhir-profiles/} on the class path, then any from a
 * deployment's directory. A deployment value set with the same URL adds its codes to the
 * published one (extending, never silently shrinking, what the rules recognise).
 */
public final class ValueSetLoader {
    /** Names of the value sets the service publishes; the list is fixed by the rules. */
    public static final List<String> PUBLISHED = List.of(
            "estradiol-standard", "estradiol-sensitive", "testosterone-total", "testosterone-free", "shbg",
            "vitamin-d-total", "vitamin-d3-proxy", "calcium-serum", "calcium-blood", "pth", "p1np", "ctx",
            "bone-alkaline-phosphatase", "hdl", "hematocrit", "dxa-bmd", "dxa-t-score", "dxa-z-score",
            "dxa-site-lumbar-spine", "dxa-site-total-hip", "dxa-site-femur", "dxa-site-forearm", "dxa-side-left", "dxa-side-right",
            "dxa-report", "dxa-procedure", "anastrozole", "letrozole", "exemestane", "aromatase-inhibitor-class",
            "testosterone-products", "glucocorticoids", "condition-osteoporosis", "condition-osteopenia",
            "condition-hypogonadism", "condition-fracture-risk", "low-estradiol-symptoms", "fragility-fracture",
            "smoking", "smoking-status", "alcohol-excess");

    private ValueSetLoader() {
    }

    public static List<ValueSet> load(IParser jsonParser, Path extraDirectory) {
        Map<String, ValueSet> byUrl = new LinkedHashMap<>();
        for (String name : PUBLISHED) {
            String resource = "fhir-profiles/ValueSet-" + name + ".json";
            try (InputStream in = ValueSetLoader.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing published value set " + resource);
                }
                ValueSet vs = jsonParser.parseResource(ValueSet.class, new InputStreamReader(in, StandardCharsets.UTF_8));
                byUrl.put(vs.getUrl(), vs);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (extraDirectory != null) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(extraDirectory, "*.json")) {
                for (Path file : files) {
                    ValueSet extra = jsonParser.parseResource(ValueSet.class, Files.readString(file));
                    ValueSet published = byUrl.get(extra.getUrl());
                    if (published == null) {
                        byUrl.put(extra.getUrl(), extra);
                    } else {
                        published.getCompose().getInclude().addAll(extra.getCompose().getInclude());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read value sets from " + extraDirectory, e);
            }
        }
        return new ArrayList<>(byUrl.values());
    }
}
