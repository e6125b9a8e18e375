package org.e2guard.mapping.record;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import org.hl7.fhir.r4.model.Resource;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;

/**
 * FHIR Bulk Data NDJSON, one line (one resource) at a time, so that memory depends on the
 * largest resource and never on the file. Each line is first scanned with Jackson's streaming
 * parser for its top-level {@code resourceType}, {@code id} and patient reference, which is
 * enough to route it (to a patient, a bucket, a count) without building the HAPI model; only
 * resources of the types the rules read ({@link PatientGrouper#READ}) are worth {@link #parse}.
 * Other types are counted per type ({@link #skipped()}).
 */
public final class NdjsonReader implements Closeable {
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * One line of the file.
     *
     * @param number  1-based line number, for messages (never the content: it is patient data)
     * @param patient the {@code Type/id} of the Patient the resource belongs to ({@code Patient/id}
     *                for a Patient, its {@code subject} or {@code patient} reference otherwise), or
     *                null when it names none
     */
    public record Line(long number, String resourceType, String id, String patient, String json) {
        /** Whether the rules read resources of this type. */
        public boolean read() {
            return PatientGrouper.READ.contains(resourceType);
        }
    }

    /** A line that is not a JSON object with a {@code resourceType}; says where, never what. */
    public static final class Malformed extends IOException {
        private final boolean fatal;

        public Malformed(String source, long line, String problem) {
            this(source, line, problem, false);
        }

        Malformed(String source, long line, String problem, boolean fatal) {
            super(source + " line " + line + ": " + problem, null);
            this.fatal = fatal;
        }

        /** The rest of the input cannot be read (bad encoding); else only this line is unusable. */
        public boolean fatal() {
            return fatal;
        }
    }

    private final BufferedReader in;
    private final String source;
    private final Map<String, Long> skipped = new TreeMap<>();
    private long number;

    /** @param source how messages name this input (a file name or URL, never content) */
    public NdjsonReader(InputStream in, String source) {
        // a broken byte sequence is an error, never silently replaced (as for $evaluate bodies)
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
        this.source = source;
    }

    /** The next resource of a type the rules read, or null at the end; other types are counted and passed over. */
    public Line nextRead() throws IOException {
        for (Line l = next(); l != null; l = next()) {
            if (l.read()) {
                return l;
            }
            skipped.merge(l.resourceType(), 1L, Long::sum);
        }
        return null;
    }

    /** The next non-blank line, or null at the end of the input. */
    public Line next() throws IOException {
        String text;
        do {
            try {
                text = in.readLine();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new Malformed(source, number + 1, "not valid UTF-8", true);
            }
            if (text == null) {
                return null;
            }
            number++;
        } while (text.isBlank());
        return scan(text);
    }

    /** Resources passed over by {@link #nextRead()}, per type. */
    public Map<String, Long> skipped() {
        return skipped;
    }

    public String source() {
        return source;
    }

    /** The HAPI model of a line. */
    public static Resource parse(IParser parser, Line line, String source) throws Malformed {
        try {
            return (Resource) parser.parseResource(line.json());
        } catch (DataFormatException | ClassCastException e) {
            throw new Malformed(source, line.number(), "not a valid FHIR " + line.resourceType());
        }
    }

    private Line scan(String text) throws Malformed {
        String type = null;
        String id = null;
        String patient = null;
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Malformed(source, number, "not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "resourceType" -> type = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "id" -> id = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "subject", "patient" -> {
                        String ref = value == JsonToken.START_OBJECT ? reference(p) : skip(p);
                        if (patient == null) {
                            patient = ref;
                        }
                    }
                    default -> skip(p);
                }
            }
            if (p.nextToken() != null) {
                throw new Malformed(source, number, "more than one JSON value on the line");
            }
        } catch (Malformed e) {
            throw e;
        } catch (IOException e) {
            throw new Malformed(source, number, "not valid JSON");
        }
        if (type == null) {
            throw new Malformed(source, number, "no resourceType");
        }
        if ("Patient".equals(type)) {
            patient = id == null ? null : "Patient/" + id;
        } else if (patient != null) {
            patient = patient.startsWith("urn:") || patient.startsWith("#") ? null : ResourceIndex.typeAndId(patient);
        }
        return new Line(number, type, id, patient, text);
    }

    /** The {@code reference} of a Reference object (the parser is on its START_OBJECT). */
    private static String reference(JsonParser p) throws IOException {
        String ref = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("reference".equals(field) && value == JsonToken.VALUE_STRING) {
                ref = p.getText();
            } else {
                p.skipChildren();
            }
        }
        return ref;
    }

    private static String skip(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
