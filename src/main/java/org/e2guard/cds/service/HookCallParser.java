package org.e2guard.cds.service;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.e2guard.cds.config.CdsConfig;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirParseErrors;
import org.e2guard.mapping.record.FhirTime;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IJsonLikeParser;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads and checks a hook request against CDS Hooks 2.0 and the context of its hook
 * (patient-view, order-select, order-sign from the HL7 CDS Hooks Library). Everything wrong is a
 * 400 naming the member; unknown members, and unknown {@code extension} members, are ignored.
 */
@ApplicationScoped
public class HookCallParser {
    /** Evaluation instant for reproducible calls (tests, replays): {@code extension."org.e2guard.as-of"}. */
    public static final String AS_OF_EXTENSION = "org.e2guard.as-of";

    private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    private static final Pattern UUID = Pattern.compile(
            "(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern REFERENCE = Pattern.compile("[A-Z][A-Za-z]+/[A-Za-z0-9\\-.]{1,64}");

    /**
     * Reads hook requests as HAPI reads FHIR JSON (exact decimals, no source excerpts in error
     * locations), so that the FHIR resources inside can be handed to HAPI as they are.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(com.fasterxml.jackson.core.JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private final FhirContext ctx;
    private final CdsConfig config;
    private final Clock clock;

    public HookCallParser(FhirContext ctx, CdsConfig config, Clock clock) {
        this.ctx = ctx;
        this.config = config;
        this.clock = clock;
    }

    public HookCall parse(CdsService service, byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw FhirError.invalid("The body is not JSON: " + shortMessage(e), null);
        }
        if (root == null || !root.isObject()) {
            throw FhirError.invalid("The body must be a JSON object (a CDS Hooks request)", null);
        }
        String hook = requiredString(root, "hook", "hook");
        if (!hook.equals(service.hook().code())) {
            throw FhirError.invalid("hook '" + hook + "' does not match service " + service.id() + ", which answers '"
                    + service.hook().code() + "'", "hook");
        }
        String hookInstance = requiredString(root, "hookInstance", "hookInstance");
        if (!UUID.matcher(hookInstance).matches()) {
            throw FhirError.invalid("hookInstance must be a UUID", "hookInstance");
        }

        String fhirServer = optionalString(root, "fhirServer", "fhirServer");
        String token = accessToken(root.get("fhirAuthorization"));
        if (token != null && fhirServer == null) {
            throw FhirError.invalid("fhirServer is required when fhirAuthorization is given", "fhirServer");
        }
        if (fhirServer != null) {
            checkFhirServer(fhirServer);
            fhirServer = fhirServer.endsWith("/") ? fhirServer.substring(0, fhirServer.length() - 1) : fhirServer;
        }

        JsonNode context = root.get("context");
        if (context == null || !context.isObject()) {
            throw FhirError.invalid("context is required and must be an object", "context");
        }
        String userId = requiredString(context, "userId", "context.userId");
        if (!REFERENCE.matcher(userId).matches()) {
            throw FhirError.invalid("context.userId must be a reference of the form Type/id, e.g. Practitioner/123",
                    "context.userId");
        }
        String patientId = requiredString(context, "patientId", "context.patientId");
        if (!FHIR_ID.matcher(patientId).matches()) {
            throw FhirError.invalid("context.patientId must be a FHIR id (letters, digits, '-' and '.', at most 64)",
                    "context.patientId");
        }
        optionalString(context, "encounterId", "context.encounterId");

        Bundle drafts = null;
        List<String> selections = null;
        if (service.hook().ordering()) {
            drafts = draftOrders(context.get("draftOrders"));
            if (service.hook() == Hook.ORDER_SELECT) {
                selections = selections(context.get("selections"));
            }
        }

        Map<String, JsonNode> prefetch = new LinkedHashMap<>();
        JsonNode p = root.get("prefetch");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                throw FhirError.invalid("prefetch must be an object of prefetch keys", "prefetch");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (!v.isNull() && !v.isObject()) {
                    throw FhirError.invalid("prefetch '" + e.getKey() + "' must be a FHIR resource or null",
                            "prefetch." + e.getKey());
                }
                prefetch.put(e.getKey(), v);
            }
        }
        return new HookCall(service, hookInstance, patientId, userId, fhirServer, token, prefetch, drafts, selections,
                asOf(root.get("extension")));
    }

    /**
     * Parses a FHIR resource given inside the JSON request (prefetch, draftOrders) with HAPI,
     * straight from the JSON tree already read: no second serialisation and tokenisation of the
     * same bytes. The tree is read the way HAPI reads JSON itself (exact decimals), so a value
     * such as 0.50 keeps its precision.
     */
    public IBaseResource resource(JsonNode node, String where) {
        if (!(node instanceof ObjectNode object)) {
            throw FhirError.invalid(where + " must be a FHIR resource (a JSON object)", where);
        }
        JacksonStructure structure = new JacksonStructure();
        structure.setNativeObject(object);
        FhirParseErrors errors = new FhirParseErrors();
        IParser parser = ctx.newJsonParser().setParserErrorHandler(errors);
        IBaseResource r;
        try {
            r = ((IJsonLikeParser) parser).parseResource(structure);
        } catch (DataFormatException e) {
            throw FhirError.invalid(where + " is not a valid FHIR resource: " + e.getMessage(), where);
        }
        if (!errors.errors().isEmpty()) {
            throw FhirError.invalid(where + " is not valid FHIR: " + String.join("; ", errors.errors()), where);
        }
        return r;
    }

    private String accessToken(JsonNode auth) {
        if (auth == null || auth.isNull()) {
            return null;
        }
        if (!auth.isObject()) {
            throw FhirError.invalid("fhirAuthorization must be an object", "fhirAuthorization");
        }
        String token = requiredString(auth, "access_token", "fhirAuthorization.access_token");
        String type = requiredString(auth, "token_type", "fhirAuthorization.token_type");
        if (!type.equalsIgnoreCase("Bearer")) {
            throw FhirError.invalid("fhirAuthorization.token_type must be 'Bearer'", "fhirAuthorization.token_type");
        }
        JsonNode expires = auth.get("expires_in");
        if (expires != null && !expires.isNull() && !expires.canConvertToLong()) {
            throw FhirError.invalid("fhirAuthorization.expires_in must be an integer", "fhirAuthorization.expires_in");
        }
        optionalString(auth, "scope", "fhirAuthorization.scope");
        optionalString(auth, "subject", "fhirAuthorization.subject");
        optionalString(auth, "patient", "fhirAuthorization.patient");
        return token;
    }

    private void checkFhirServer(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw FhirError.invalid("fhirServer is not a URL", "fhirServer");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw FhirError.invalid("fhirServer must be an absolute http(s) base URL without query or fragment",
                    "fhirServer");
        }
        if (config.fhirServer().requireHttps() && !scheme.equals("https")) {
            throw FhirError.invalid("fhirServer must use https", "fhirServer");
        }
        List<String> allowed = config.fhirServer().allowedUrls().orElse(List.of());
        if (!allowed.isEmpty() && allowed.stream().noneMatch(url::startsWith)) {
            throw FhirError.invalid("fhirServer is not one this service is configured to read from "
                    + "(e2guard.cds.fhir-server.allowed-urls)", "fhirServer");
        }
    }

    private Bundle draftOrders(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw FhirError.invalid("context.draftOrders is required and must be a FHIR Bundle", "context.draftOrders");
        }
        IBaseResource r = resource(node, "context.draftOrders");
        if (!(r instanceof Bundle b)) {
            throw FhirError.invalid("context.draftOrders must be a Bundle, not " + r.fhirType(), "context.draftOrders");
        }
        return b;
    }

    private static List<String> selections(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw FhirError.invalid("context.selections is required and must be an array of references (Type/id)",
                    "context.selections");
        }
        List<String> out = new ArrayList<>(node.size());
        for (JsonNode s : node) {
            if (!s.isTextual() || !REFERENCE.matcher(s.asText()).matches()) {
                throw FhirError.invalid("every context.selections entry must be a reference of the form Type/id",
                        "context.selections");
            }
            out.add(s.asText());
        }
        return out;
    }

    private Instant asOf(JsonNode extension) {
        if (extension == null || !extension.isObject()) {
            return clock.instant();
        }
        JsonNode asOf = extension.get(AS_OF_EXTENSION);
        if (asOf == null || asOf.isNull()) {
            return clock.instant();
        }
        try {
            if (!asOf.isTextual()) {
                throw new IllegalArgumentException();
            }
            Instant t = FhirTime.instant(new DateTimeType(asOf.asText().trim()));
            if (t == null) {
                throw new IllegalArgumentException();
            }
            return t;
        } catch (DataFormatException | IllegalArgumentException e) {
            throw FhirError.invalid("extension." + AS_OF_EXTENSION + " must be a FHIR dateTime, e.g. 2026-07-01T00:00:00Z",
                    "extension." + AS_OF_EXTENSION);
        }
    }

    private static String requiredString(JsonNode parent, String name, String where) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            throw FhirError.invalid(where + " is required", where);
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw FhirError.invalid(where + " must be a non-empty string", where);
        }
        return v.asText();
    }

    private static String optionalString(JsonNode parent, String name, String where) {
        JsonNode v = parent.get(name);
        if (v == null) {
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw FhirError.invalid(where + " must be a non-empty string when present", where);
        }
        return v.asText();
    }

    /** Jackson's first line, without the source excerpt it appends (which could quote patient data). */
    private static String shortMessage(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int cut = m.indexOf("\n");
        m = cut > 0 ? m.substring(0, cut) : m;
        int src = m.indexOf(" at [Source");
        return src > 0 ? m.substring(0, src) : m;
    }
}
