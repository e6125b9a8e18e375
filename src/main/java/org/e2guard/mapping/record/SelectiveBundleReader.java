package org.e2guard.mapping.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.util.Set;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.XMLStreamWriter;

import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirInput;
import org.e2guard.fhir.FhirParseErrors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IJsonLikeParser;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;

/**
 * Reads a Bundle body (JSON or XML) in one streaming pass and builds as HAPI resources only the
 * entries whose type the rules read ({@link PatientGrouper#READ}); every other entry is checked to
 * be well-formed JSON or XML, counted in the index ({@link ResourceIndex#skip}) and never built.
 * Most bytes of a real record (claims, explanations of benefit, encounters, imaging) are of types
 * no rule reads, so this is both faster than building the whole Bundle and holds only what is read.
 * The Bundle's own elements (type, id, meta...) are parsed by HAPI as usual, as is each entry read,
 * so their errors are the same 400s as when the whole body is parsed.
 */
public final class SelectiveBundleReader {
    /** The Bundle without its entries (type, id, ...), and the entries read, indexed. */
    public record Selection(Bundle shell, ResourceIndex index) {
    }

    private static final String FHIR_NS = "http://hl7.org/fhir";
    // the body limit (e2guard.evaluate.max-body-size) bounds the input; a single base64 attachment
    // of a real record may pass Jackson's default 20 MB string limit
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build();
    /** Exact decimals, as HAPI's own JSON reader keeps them: 0.50 stays 0.50. */
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    private static final XMLInputFactory XML_IN = secureXmlInput();
    private static final XMLOutputFactory XML_OUT = XMLOutputFactory.newFactory();

    private final FhirContext ctx;
    private final Set<String> knownTypes;

    public SelectiveBundleReader(FhirContext ctx) {
        this.ctx = ctx;
        this.knownTypes = ctx.getResourceTypes();
    }

    /**
     * Reads a Bundle; 400 for a body that is not well-formed or not valid FHIR where it is read.
     * Errors of the size limit ({@link FhirInput#limited}) become 413.
     */
    public Selection read(FhirFormat format, InputStream body, long maxBytes) {
        try {
            return format == FhirFormat.JSON ? json(body) : xml(body);
        } catch (FhirError e) {
            throw e;
        } catch (Exception e) {
            if (FhirInput.tooLargeIn(e)) {
                throw FhirInput.tooLarge(maxBytes);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            // the client went away or the connection broke mid-body: as FhirInput answers it
            throw FhirError.invalid("The body could not be read: " + e.getClass().getSimpleName(), null);
        }
    }

    /**
     * Whether a JSON body is a Bundle, from its first member (HAPI and every server we know write
     * {@code resourceType} first). Reads at most the first token or two of {@code body}, which the
     * caller resets; anything else (a Parameters body, a Bundle whose resourceType comes later) is
     * left to the full parser.
     */
    public static boolean startsAsBundle(FhirFormat format, InputStream body) {
        try {
            if (format == FhirFormat.JSON) {
                JsonParser p = JSON.createParser(body);
                return p.nextToken() == JsonToken.START_OBJECT && p.nextToken() == JsonToken.FIELD_NAME
                        && "resourceType".equals(p.currentName()) && p.nextToken() == JsonToken.VALUE_STRING
                        && "Bundle".equals(p.getText());
            }
            XMLStreamReader r = XML_IN.createXMLStreamReader(body);
            return r.nextTag() == XMLStreamConstants.START_ELEMENT && "Bundle".equals(r.getLocalName())
                    && FHIR_NS.equals(r.getNamespaceURI());
        } catch (IOException | XMLStreamException | RuntimeException e) {
            return false; // the full parser gives the proper error
        }
    }

    // ---- JSON

    private Selection json(InputStream body) throws IOException {
        FhirParseErrors errors = new FhirParseErrors();
        IParser parser = FhirFormat.JSON.parser(ctx).setParserErrorHandler(errors);
        ResourceIndex index = new ResourceIndex();
        StringWriter shellText = new StringWriter();
        try (JsonParser p = JSON.createParser(body); JsonGenerator shell = JSON.createGenerator(shellText)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("The body is not a JSON object");
            }
            shell.writeStartObject();
            int entries = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("entry".equals(name) && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        jsonEntry(p, entries++, parser, index);
                    }
                } else {
                    shell.writeFieldName(name);
                    shell.copyCurrentStructure(p);
                }
            }
            if (p.nextToken() != null) {
                throw invalid("The body holds more than one JSON value");
            }
            shell.writeEndObject();
        } catch (JsonProcessingException e) {
            throw jsonError(e);
        }
        return new Selection((Bundle) parse(parser, shellText.toString()), checked(index, errors));
    }

    private void jsonEntry(JsonParser p, int at, IParser parser, ResourceIndex index) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw invalid("Bundle.entry[" + at + "] is not a JSON object");
        }
        String fullUrl = null;
        Resource read = null;
        String skipped = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if ("fullUrl".equals(name)) {
                if (value != JsonToken.VALUE_STRING) {
                    throw invalid("Bundle.entry[" + at + "].fullUrl is not a string");
                }
                fullUrl = p.getText();
            } else if ("resource".equals(name)) {
                if (value != JsonToken.START_OBJECT) {
                    throw invalid("Bundle.entry[" + at + "].resource is not a JSON object");
                }
                JsonResource resource = jsonResource(p, at);
                if (resource.tree() != null) {
                    read = (Resource) parse(parser, resource.tree());
                } else {
                    skipped = resource.type();
                }
            } else {
                p.skipChildren();
            }
        }
        if (read != null) {
            index.add(fullUrl, read);
        } else if (skipped != null) {
            index.skip(skipped);
        }
    }

    /** A resource entry: its type, and its JSON tree when the rules read it (otherwise it was skipped over). */
    private record JsonResource(String type, ObjectNode tree) {
    }

    /**
     * Reads the resource the parser is on (its START_OBJECT): the tree of one the rules read, built
     * from the tokens as HAPI builds its own (exact decimals) so HAPI parses it without reading the
     * text again; only the type of one they do not, skipped over.
     */
    private JsonResource jsonResource(JsonParser p, int at) throws IOException {
        if (p.nextToken() == JsonToken.FIELD_NAME && "resourceType".equals(p.currentName())
                && p.nextToken() == JsonToken.VALUE_STRING) {
            String type = knownType(p.getText(), at);
            if (!PatientGrouper.READ.contains(type)) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    p.nextToken();
                    p.skipChildren(); // tokenised, so still checked to be well-formed, but never kept
                }
                return new JsonResource(type, null);
            }
            ObjectNode tree = NODES.objectNode();
            tree.put("resourceType", type);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                tree.replace(name, node(p));
            }
            return new JsonResource(type, tree);
        }
        // resourceType is not first: rare enough to read the whole resource before deciding
        if (p.currentToken() == JsonToken.END_OBJECT) {
            throw invalid("Bundle.entry[" + at + "].resource has no resourceType");
        }
        ObjectNode tree = NODES.objectNode();
        do {
            String name = p.currentName();
            p.nextToken();
            tree.replace(name, node(p));
        } while (p.nextToken() == JsonToken.FIELD_NAME);
        JsonNode type = tree.get("resourceType");
        if (type == null || !type.isTextual()) {
            throw invalid("Bundle.entry[" + at + "].resource has no resourceType");
        }
        String known = knownType(type.asText(), at);
        return new JsonResource(known, PatientGrouper.READ.contains(known) ? tree : null);
    }

    /**
     * The JSON value the parser is on, as the tree HAPI's own reader would build (its
     * ObjectMapper: floats as exact BigDecimals, a repeated member replacing the earlier one).
     */
    private static JsonNode node(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    o.replace(name, node(p));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(node(p));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDecimalValue());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw invalid("Unexpected JSON token " + p.currentToken());
        }
    }

    private static FhirError jsonError(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message != null && message.contains("Invalid UTF-8")) {
            return FhirInput.notUtf8();
        }
        // the location only, never the excerpt of content Jackson quotes (it is patient data)
        return invalid("The body is not valid FHIR JSON: malformed JSON at line " + e.getLocation().getLineNr()
                + ", column " + e.getLocation().getColumnNr());
    }

    // ---- XML

    private Selection xml(InputStream body) throws XMLStreamException, IOException {
        FhirParseErrors errors = new FhirParseErrors();
        IParser parser = FhirFormat.XML.parser(ctx).setParserErrorHandler(errors);
        ResourceIndex index = new ResourceIndex();
        StringWriter shellText = new StringWriter();
        FhirInput.Utf8Reader reader = FhirInput.strictUtf8Reader(body);
        try (reader) {
            XMLStreamReader r = XML_IN.createXMLStreamReader(reader);
            if (r.nextTag() != XMLStreamConstants.START_ELEMENT || !"Bundle".equals(r.getLocalName())) {
                throw invalid("The body is not a FHIR Bundle");
            }
            XMLStreamWriter shell = XML_OUT.createXMLStreamWriter(shellText);
            shell.writeStartElement("Bundle");
            shell.writeDefaultNamespace(FHIR_NS);
            int entries = 0;
            for (int event = r.next(); event != XMLStreamConstants.END_ELEMENT; event = r.next()) {
                if (event != XMLStreamConstants.START_ELEMENT) {
                    continue;
                }
                if ("entry".equals(r.getLocalName()) && FHIR_NS.equals(r.getNamespaceURI())) {
                    xmlEntry(r, entries++, parser, index);
                } else {
                    copy(r, shell);
                }
            }
            shell.writeEndElement();
            shell.close();
            while (r.hasNext()) {
                r.next(); // the rest must be well-formed too (comments, whitespace)
            }
        } catch (XMLStreamException e) {
            if (reader.malformed()) {
                throw FhirInput.notUtf8();
            }
            if (FhirInput.tooLargeIn(e) || FhirInput.tooLargeIn(e.getNestedException())) {
                throw e;
            }
            throw invalid("The body is not valid FHIR XML: malformed XML"
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNumber()
                            + ", column " + e.getLocation().getColumnNumber()));
        }
        return new Selection((Bundle) parse(parser, shellText.toString()), checked(index, errors));
    }

    private void xmlEntry(XMLStreamReader r, int at, IParser parser, ResourceIndex index) throws XMLStreamException {
        String fullUrl = null;
        Resource read = null;
        String skipped = null;
        for (int event = r.next(); event != XMLStreamConstants.END_ELEMENT; event = r.next()) {
            if (event != XMLStreamConstants.START_ELEMENT) {
                continue;
            }
            String name = r.getLocalName();
            if ("fullUrl".equals(name)) {
                fullUrl = r.getAttributeValue(null, "value");
                skip(r);
            } else if ("resource".equals(name)) {
                if (r.nextTag() != XMLStreamConstants.START_ELEMENT) {
                    throw invalid("Bundle.entry[" + at + "].resource holds no resource");
                }
                String type = knownType(r.getLocalName(), at);
                if (PatientGrouper.READ.contains(type)) {
                    StringWriter text = new StringWriter(1024);
                    XMLStreamWriter w = XML_OUT.createXMLStreamWriter(text);
                    copy(r, w);
                    w.close();
                    read = (Resource) parse(parser, text.toString());
                } else {
                    skip(r);
                    skipped = type;
                }
                r.nextTag(); // </resource>
            } else {
                skip(r);
            }
        }
        if (read != null) {
            index.add(fullUrl, read);
        } else if (skipped != null) {
            index.skip(skipped);
        }
    }

    /** Passes over the element the reader is on, to its end tag (still checking that it is well-formed). */
    private static void skip(XMLStreamReader r) throws XMLStreamException {
        for (int depth = 1; depth > 0;) {
            int event = r.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                depth++;
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
            }
        }
    }

    /** Writes the element the reader is on, with its namespaces declared, up to its end tag. */
    private static void copy(XMLStreamReader r, XMLStreamWriter w) throws XMLStreamException {
        int depth = 0;
        do {
            switch (r.getEventType()) {
                case XMLStreamConstants.START_ELEMENT -> {
                    depth++;
                    String prefix = r.getPrefix() == null ? "" : r.getPrefix();
                    String ns = r.getNamespaceURI() == null ? "" : r.getNamespaceURI();
                    w.writeStartElement(prefix, r.getLocalName(), ns);
                    boolean declared = false;
                    for (int i = 0; i < r.getNamespaceCount(); i++) {
                        String p = r.getNamespacePrefix(i) == null ? "" : r.getNamespacePrefix(i);
                        declared |= p.equals(prefix);
                        if (p.isEmpty()) {
                            w.writeDefaultNamespace(r.getNamespaceURI(i));
                        } else {
                            w.writeNamespace(p, r.getNamespaceURI(i));
                        }
                    }
                    // the copy stands alone: its root declares the namespace an ancestor declared,
                    // and so does a prefixed element (FHIR's are all in the default namespace)
                    if (!declared && (depth == 1 || !prefix.isEmpty())) {
                        if (prefix.isEmpty()) {
                            w.writeDefaultNamespace(ns);
                        } else {
                            w.writeNamespace(prefix, ns);
                        }
                    }
                    for (int i = 0; i < r.getAttributeCount(); i++) {
                        String ans = r.getAttributeNamespace(i);
                        if (ans == null || ans.isEmpty()) {
                            w.writeAttribute(r.getAttributeLocalName(i), r.getAttributeValue(i));
                        } else {
                            w.writeAttribute(r.getAttributePrefix(i), ans, r.getAttributeLocalName(i), r.getAttributeValue(i));
                        }
                    }
                }
                case XMLStreamConstants.END_ELEMENT -> {
                    depth--;
                    w.writeEndElement();
                }
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
                        w.writeCharacters(r.getText());
                default -> {
                    // comments and processing instructions carry nothing the rules read
                }
            }
            if (depth > 0) {
                r.next();
            }
        } while (depth > 0);
    }

    private static XMLInputFactory secureXmlInput() {
        XMLInputFactory f = XMLInputFactory.newFactory();
        // no DTDs, no external entities: a request body never reaches out of the service
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        return f;
    }

    // ---- both

    private String knownType(String type, int at) {
        if (!knownTypes.contains(type)) {
            throw invalid("Bundle.entry[" + at + "].resource has an unknown resourceType '" + type + "'");
        }
        return type;
    }

    private static Object parse(IParser parser, ObjectNode tree) {
        JacksonStructure structure = new JacksonStructure();
        structure.setNativeObject(tree);
        try {
            return ((IJsonLikeParser) parser).parseResource(structure);
        } catch (DataFormatException e) {
            throw invalid("The body is not valid FHIR: " + e.getMessage());
        }
    }

    private static Object parse(IParser parser, String text) {
        try {
            return parser.parseResource(text);
        } catch (DataFormatException e) {
            throw invalid("The body is not valid FHIR: " + e.getMessage());
        }
    }

    private static ResourceIndex checked(ResourceIndex index, FhirParseErrors errors) {
        if (!errors.errors().isEmpty()) {
            throw FhirError.invalid("Invalid FHIR content: " + String.join("; ", errors.errors()), errors.firstLocation());
        }
        return index;
    }

    private static FhirError invalid(String message) {
        return FhirError.invalid(message, null);
    }
}
