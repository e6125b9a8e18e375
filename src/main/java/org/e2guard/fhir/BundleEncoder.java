package org.e2guard.fhir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;

/**
 * Writes a FHIR resource straight to a response stream, never as one String. A Bundle of entries
 * that hold only a fullUrl and a resource (the answers of {@code $evaluate}) is written in JSON
 * entry by entry: the Bundle's few elements by a streaming generator, each resource by HAPI on its
 * own. HAPI encoding a whole Bundle walks it again for contained resources and references before
 * writing; per entry that walk is small. The resources e2guard builds in bulk (DetectedIssue, Flag,
 * Provenance, OperationOutcome) are written by {@link OwnResourceWriter}, the rest by HAPI. The
 * bytes are those HAPI writes for the whole Bundle.
 */
public final class BundleEncoder {
    private static final JsonFactory JSON = new JsonFactory();

    private final FhirContext ctx;

    public BundleEncoder(FhirContext ctx) {
        this.ctx = ctx;
    }

    public void write(IBaseResource resource, FhirFormat format, boolean pretty, OutputStream out) throws IOException {
        if (format == FhirFormat.JSON && !pretty && resource instanceof Bundle b && plain(b)) {
            writeEntries(b, out);
            return;
        }
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        format.parser(ctx).setPrettyPrint(pretty).encodeResourceToWriter(resource, w);
        w.flush();
    }

    private void writeEntries(Bundle b, OutputStream out) throws IOException {
        IParser parser = FhirFormat.JSON.parser(ctx);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("resourceType", "Bundle");
            if (b.getIdElement().hasIdPart()) {
                g.writeStringField("id", b.getIdElement().getIdPart());
            }
            g.writeStringField("type", b.getType().toCode());
            if (b.hasTimestamp()) {
                g.writeStringField("timestamp", b.getTimestampElement().getValueAsString());
            }
            if (b.hasEntry()) {
                g.writeArrayFieldStart("entry");
                OwnResourceWriter.Buffer buffer = new OwnResourceWriter.Buffer();
                for (Bundle.BundleEntryComponent e : b.getEntry()) {
                    g.writeStartObject();
                    if (e.hasFullUrl()) {
                        g.writeStringField("fullUrl", e.getFullUrl());
                    }
                    if (e.hasResource()) {
                        g.writeFieldName("resource");
                        OwnResourceWriter.Buffer own = OwnResourceWriter.write(e.getResource(), buffer);
                        if (own != null) {
                            g.writeRawValue(own.chars(), 0, own.size());
                        } else {
                            g.writeRawValue(parser.encodeResourceToString(e.getResource()));
                        }
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
    }

    /** Whether the Bundle has nothing but what {@link #writeEntries} writes; otherwise HAPI writes it whole. */
    private static boolean plain(Bundle b) {
        if (!b.hasType() || b.hasMeta() || b.hasImplicitRules() || b.hasLanguage() || b.hasIdentifier() || b.hasTotal()
                || b.hasLink() || b.hasSignature() || b.getIdElement().hasVersionIdPart()) {
            return false;
        }
        for (Bundle.BundleEntryComponent e : b.getEntry()) {
            if (e.hasLink() || e.hasSearch() || e.hasRequest() || e.hasResponse() || e.hasExtension()
                    || e.hasModifierExtension() || e.hasId()) {
                return false;
            }
        }
        return true;
    }
}
