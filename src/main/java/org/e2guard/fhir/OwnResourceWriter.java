package org.e2guard.fhir;

import java.io.CharArrayWriter;
import java.io.IOException;
import java.util.List;

import org.apache.commons.lang3.StringUtils;
import org.hl7.fhir.r4.model.BackboneElement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Element;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Writes the resources e2guard builds in bulk (DetectedIssue, Flag, Provenance, OperationOutcome)
 * in JSON byte for byte as HAPI does, with a plain Jackson generator. HAPI's encoder is generic:
 * for every element it walks the type's definition, checks emptiness recursively and builds child
 * iterators, so encoding a large answer cost about as much as parsing the input. These writers
 * know the few shapes e2guard produces; anything else they meet (a narrative, an element id, an
 * extension on a primitive, a type they do not know...) makes {@link #write} return {@code null}
 * and the resource is left to HAPI, so the output never depends on which path wrote it.
 * {@code OwnResourceWriterTest} holds them to HAPI's bytes.
 */
final class OwnResourceWriter {
    private static final JsonFactory JSON = new JsonFactory();

    /** Thrown where a resource holds something these writers do not cover: HAPI writes it instead. */
    private static final class NotCovered extends RuntimeException {
        NotCovered() {
            super(null, null, false, false);
        }
    }

    private static final NotCovered NOT_COVERED = new NotCovered();

    /** A reusable buffer whose content is handed to the caller without a copy. */
    static final class Buffer extends CharArrayWriter {
        Buffer() {
            super(8192);
        }

        char[] chars() {
            return buf;
        }
    }

    private OwnResourceWriter() {
    }

    /**
     * Writes the resource's JSON into {@code buffer} (reset first) and returns it, or {@code null}
     * when the resource is not one these writers cover exactly.
     */
    static Buffer write(Resource r, Buffer buffer) throws IOException {
        if (!(r instanceof DetectedIssue || r instanceof Flag || r instanceof Provenance || r instanceof OperationOutcome)) {
            return null;
        }
        buffer.reset();
        try (JsonGenerator g = JSON.createGenerator(buffer)) {
            resource((DomainResource) r, g);
        } catch (NotCovered e) {
            return null;
        }
        return buffer;
    }

    private static void resource(DomainResource r, JsonGenerator g) throws IOException {
        if (r.hasText() || r.hasContained() || r.hasModifierExtension() || r.hasImplicitRules() || r.hasLanguage()
                || r.getIdElement().hasVersionIdPart() || r.getIdElement().hasBaseUrl()) {
            throw NOT_COVERED;
        }
        g.writeStartObject();
        g.writeStringField("resourceType", r.fhirType());
        if (r.getIdElement().hasIdPart()) {
            g.writeStringField("id", r.getIdElement().getIdPart());
        }
        if (r.hasMeta()) {
            meta(r.getMeta(), g);
        }
        extensions(r.getExtension(), g);
        if (r instanceof DetectedIssue di) {
            detectedIssue(di, g);
        } else if (r instanceof Flag f) {
            flag(f, g);
        } else if (r instanceof Provenance p) {
            provenance(p, g);
        } else {
            outcome((OperationOutcome) r, g);
        }
        g.writeEndObject();
    }

    private static void detectedIssue(DetectedIssue di, JsonGenerator g) throws IOException {
        if (di.hasMitigation() || (di.hasIdentified() && !di.hasIdentifiedDateTimeType())) {
            throw NOT_COVERED;
        }
        identifiers(di.getIdentifier(), g);
        primitive("status", di.getStatusElement(), g);
        codeableConcept("code", di.getCode(), g);
        primitive("severity", di.getSeverityElement(), g);
        reference("patient", di.getPatient(), g);
        if (di.hasIdentified()) {
            primitive("identifiedDateTime", di.getIdentifiedDateTimeType(), g);
        }
        reference("author", di.getAuthor(), g);
        references("implicated", di.getImplicated(), g);
        if (di.hasEvidence()) {
            g.writeArrayFieldStart("evidence");
            for (DetectedIssue.DetectedIssueEvidenceComponent ev : di.getEvidence()) {
                backbone(ev);
                if (ev.hasCode()) {
                    throw NOT_COVERED;
                }
                g.writeStartObject();
                references("detail", ev.getDetail(), g);
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        primitive("detail", di.getDetailElement(), g);
        primitive("reference", di.getReferenceElement(), g);
    }

    private static void flag(Flag f, JsonGenerator g) throws IOException {
        if (f.hasEncounter()) {
            throw NOT_COVERED;
        }
        identifiers(f.getIdentifier(), g);
        primitive("status", f.getStatusElement(), g);
        codeableConcepts("category", f.getCategory(), g);
        codeableConcept("code", f.getCode(), g);
        reference("subject", f.getSubject(), g);
        period("period", f.getPeriod(), g);
        reference("author", f.getAuthor(), g);
    }

    private static void provenance(Provenance p, JsonGenerator g) throws IOException {
        if (p.hasOccurred() || p.hasPolicy() || p.hasLocation() || p.hasReason() || p.hasEntity() || p.hasSignature()) {
            throw NOT_COVERED;
        }
        references("target", p.getTarget(), g);
        primitive("recorded", p.getRecordedElement(), g);
        codeableConcept("activity", p.getActivity(), g);
        if (p.hasAgent()) {
            g.writeArrayFieldStart("agent");
            for (Provenance.ProvenanceAgentComponent a : p.getAgent()) {
                backbone(a);
                if (a.hasRole() || a.hasOnBehalfOf()) {
                    throw NOT_COVERED;
                }
                g.writeStartObject();
                codeableConcept("type", a.getType(), g);
                reference("who", a.getWho(), g);
                g.writeEndObject();
            }
            g.writeEndArray();
        }
    }

    private static void outcome(OperationOutcome oo, JsonGenerator g) throws IOException {
        if (oo.hasIssue()) {
            g.writeArrayFieldStart("issue");
            for (OperationOutcome.OperationOutcomeIssueComponent i : oo.getIssue()) {
                backbone(i);
                g.writeStartObject();
                primitive("severity", i.getSeverityElement(), g);
                primitive("code", i.getCodeElement(), g);
                codeableConcept("details", i.getDetails(), g);
                primitive("diagnostics", i.getDiagnosticsElement(), g);
                primitives("location", i.getLocation(), g);
                primitives("expression", i.getExpression(), g);
                g.writeEndObject();
            }
            g.writeEndArray();
        }
    }

    // ---- data types, each in the element order of its definition, as HAPI writes them

    private static void meta(Meta m, JsonGenerator g) throws IOException {
        if (m.isEmpty()) {
            return;
        }
        plain(m);
        if (m.hasVersionId() || m.hasLastUpdated() || m.hasSource() || m.hasSecurity()) {
            throw NOT_COVERED;
        }
        g.writeObjectFieldStart("meta");
        primitives("profile", m.getProfile(), g);
        if (m.hasTag()) {
            g.writeArrayFieldStart("tag");
            for (Coding c : m.getTag()) {
                codingValue(c, g);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void extensions(List<Extension> extensions, JsonGenerator g) throws IOException {
        if (extensions.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart("extension");
        for (Extension e : extensions) {
            plain(e);
            if (!e.hasUrl() || !e.hasValue()) {
                throw NOT_COVERED;
            }
            g.writeStartObject();
            g.writeStringField("url", e.getUrl());
            // exact classes: a subtype (MarkdownType is a StringType) has a name of its own
            Class<?> type = e.getValue().getClass();
            if (type == StringType.class) {
                primitive("valueString", (StringType) e.getValue(), g);
            } else if (type == Period.class) {
                period("valuePeriod", (Period) e.getValue(), g);
            } else if (type == CodeableConcept.class) {
                codeableConcept("valueCodeableConcept", (CodeableConcept) e.getValue(), g);
            } else if (type == Reference.class) {
                reference("valueReference", (Reference) e.getValue(), g);
            } else {
                throw NOT_COVERED;
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void identifiers(List<Identifier> identifiers, JsonGenerator g) throws IOException {
        if (identifiers.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart("identifier");
        for (Identifier i : identifiers) {
            item(i);
            if (i.hasUse() || i.hasType() || i.hasPeriod() || i.hasAssigner()) {
                throw NOT_COVERED;
            }
            g.writeStartObject();
            primitive("system", i.getSystemElement(), g);
            primitive("value", i.getValueElement(), g);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void codeableConcepts(String name, List<CodeableConcept> concepts, JsonGenerator g) throws IOException {
        if (concepts.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(name);
        for (CodeableConcept cc : concepts) {
            item(cc);
            codeableConceptValue(cc, g);
        }
        g.writeEndArray();
    }

    private static void codeableConcept(String name, CodeableConcept cc, JsonGenerator g) throws IOException {
        if (cc == null || cc.isEmpty()) {
            return;
        }
        g.writeFieldName(name);
        codeableConceptValue(cc, g);
    }

    private static void codeableConceptValue(CodeableConcept cc, JsonGenerator g) throws IOException {
        plain(cc);
        g.writeStartObject();
        if (cc.hasCoding()) {
            g.writeArrayFieldStart("coding");
            for (Coding c : cc.getCoding()) {
                item(c);
                codingValue(c, g);
            }
            g.writeEndArray();
        }
        primitive("text", cc.getTextElement(), g);
        g.writeEndObject();
    }

    private static void codingValue(Coding c, JsonGenerator g) throws IOException {
        plain(c);
        g.writeStartObject();
        primitive("system", c.getSystemElement(), g);
        primitive("version", c.getVersionElement(), g);
        primitive("code", c.getCodeElement(), g);
        primitive("display", c.getDisplayElement(), g);
        if (c.hasUserSelected()) {
            plain(c.getUserSelectedElement());
            g.writeBooleanField("userSelected", c.getUserSelected());
        }
        g.writeEndObject();
    }

    private static void references(String name, List<Reference> refs, JsonGenerator g) throws IOException {
        if (refs.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(name);
        for (Reference r : refs) {
            item(r);
            referenceValue(r, g);
        }
        g.writeEndArray();
    }

    private static void reference(String name, Reference r, JsonGenerator g) throws IOException {
        if (r == null) {
            return;
        }
        if (r.getResource() != null) {
            throw NOT_COVERED; // an emptiness check would not see it, HAPI's text for it would
        }
        if (r.isEmpty()) {
            return;
        }
        g.writeFieldName(name);
        referenceValue(r, g);
    }

    private static void referenceValue(Reference r, JsonGenerator g) throws IOException {
        plain(r);
        // a resource object behind the reference makes HAPI compute its text (contained, ids): its business
        if (r.getResource() != null || r.hasType() || r.hasIdentifier()) {
            throw NOT_COVERED;
        }
        g.writeStartObject();
        primitive("reference", r.getReferenceElement_(), g);
        primitive("display", r.getDisplayElement(), g);
        g.writeEndObject();
    }

    private static void period(String name, Period p, JsonGenerator g) throws IOException {
        if (p == null || p.isEmpty()) {
            return;
        }
        plain(p);
        g.writeObjectFieldStart(name);
        primitive("start", p.getStartElement(), g);
        primitive("end", p.getEndElement(), g);
        g.writeEndObject();
    }

    /** A string-valued primitive: HAPI leaves out a blank one, and writes one with an id or extension as "_name". */
    private static void primitive(String name, PrimitiveType<?> p, JsonGenerator g) throws IOException {
        if (p == null) {
            return;
        }
        plain(p);
        String value = p.getValueAsString();
        if (!StringUtils.isBlank(value)) {
            g.writeStringField(name, value);
        }
    }

    private static void primitives(String name, List<? extends PrimitiveType<?>> values, JsonGenerator g) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(name);
        for (PrimitiveType<?> p : values) {
            plain(p);
            String value = p.getValueAsString();
            if (StringUtils.isBlank(value)) {
                throw NOT_COVERED; // HAPI's handling of gaps in arrays is its own
            }
            g.writeString(value);
        }
        g.writeEndArray();
    }

    /** An element of a list: HAPI leaves empty ones out, which these writers leave to it. */
    private static void item(Element e) {
        if (e == null || e.isEmpty()) {
            throw NOT_COVERED;
        }
    }

    private static void backbone(BackboneElement e) {
        item(e);
        plain(e);
        if (e.hasModifierExtension()) {
            throw NOT_COVERED;
        }
    }

    private static void plain(Element e) {
        if (e.hasId() || e.hasExtension()) {
            throw NOT_COVERED;
        }
    }
}
