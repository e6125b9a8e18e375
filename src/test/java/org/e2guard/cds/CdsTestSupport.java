package org.e2guard.cds;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import org.e2guard.testing.GoldenCases;
import org.e2guard.fhir.FhirSupport;
import org.eclipse.microprofile.config.ConfigProvider;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.SimpleQuantity;
import org.hl7.fhir.r4.model.Timing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import io.restassured.specification.RequestSpecification;

/**
 * What the CDS tests share: signed JWTs from the test keys, requests built the way an EHR builds
 * them, prefetch computed from the discovery templates, and the golden cases.
 */
public final class CdsTestSupport {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final FhirContext CTX = FhirSupport.newContext();
    public static final String PATIENT_VIEW = "e2guard-patient-view";
    public static final String ORDER_SELECT = "e2guard-order-select";
    public static final String ORDER_SIGN = "e2guard-order-sign";

    private CdsTestSupport() {
    }

    // ---- JWT -------------------------------------------------------------------------------

    public static String config(String key) {
        return ConfigProvider.getConfig().getValue(key, String.class);
    }

    public static JWK key(String kid) {
        try {
            return JWKSet.parse(config("e2guard-test.signing-jwks")).getKeyByKeyId(kid);
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The URL a test request reaches, as the service sees it (REST Assured's default base). */
    public static String url(String path) {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class).orElse(8081);
        return "http://localhost:" + port + path;
    }

    /** A valid token for the URL of {@code path}. */
    public static String token(String path) {
        return sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(path)));
    }

    /**
     * A token from the trusted issuer, valid for five minutes with a fresh jti, signed with the
     * test key {@code kid}; the customisers change header and claims for the negative cases.
     */
    public static String sign(String kid, JWSAlgorithm alg, Consumer<JWSHeader.Builder> header,
                              Consumer<JWTClaimsSet.Builder> claims) {
        try {
            JWK key = key(kid);
            JWSHeader.Builder h = new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).keyID(kid);
            header.accept(h);
            Instant now = Instant.now();
            JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(EhrTestServer.ISSUER)
                    .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                    .jwtID(UUID.randomUUID().toString());
            claims.accept(c);
            SignedJWT jwt = new SignedJWT(h.build(), c.build());
            JWSSigner signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** REST Assured with a valid JWT for {@code path}. */
    public static RequestSpecification cds(String path) {
        return given().header("Authorization", "Bearer " + token(path)).contentType("application/json");
    }

    // ---- requests --------------------------------------------------------------------------

    /** A hook request without prefetch; add {@code prefetch}, {@code fhirServer} etc. as needed. */
    public static ObjectNode request(String hook, String patientId) {
        ObjectNode r = JSON.createObjectNode();
        r.put("hook", hook);
        r.put("hookInstance", UUID.randomUUID().toString());
        ObjectNode ctx = r.putObject("context");
        ctx.put("userId", "Practitioner/dr-1");
        ctx.put("patientId", patientId);
        return r;
    }

    public static void asOf(ObjectNode request, String instant) {
        request.putObject("extension").put("org.e2guard.as-of", instant);
    }

    public static void fhirServer(ObjectNode request) {
        request.put("fhirServer", config("e2guard-test.fhir"));
        ObjectNode auth = request.putObject("fhirAuthorization");
        auth.put("access_token", EhrTestServer.ACCESS_TOKEN);
        auth.put("token_type", "Bearer");
        auth.put("expires_in", 300);
        auth.put("scope", "user/Patient.read user/Observation.read user/MedicationRequest.read");
        auth.put("subject", "e2guard");
    }

    public static JsonNode tree(Resource r) {
        try {
            return JSON.readTree(CTX.newJsonParser().encodeResourceToString(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Anastrozole 1 mg daily, drafted for a patient. */
    public static MedicationRequest anastrozoleDaily(String id, String patientId) {
        MedicationRequest mr = new MedicationRequest();
        mr.setId(id);
        mr.setStatus(MedicationRequest.MedicationRequestStatus.DRAFT);
        mr.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
        mr.setMedication(new CodeableConcept(new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "199224",
                "anastrozole 1 MG Oral Tablet")).setText("Anastrozole 1 mg tablet"));
        mr.setSubject(new Reference("Patient/" + patientId));
        Dosage d = mr.addDosageInstruction().setText("1 mg daily");
        d.getTiming().getRepeat().setFrequency(1).setPeriod(1).setPeriodUnit(Timing.UnitsOfTime.D);
        d.setRoute(new CodeableConcept(new Coding("http://snomed.info/sct", "26643006", "Oral route")));
        SimpleQuantity q = new SimpleQuantity();
        q.setValue(1).setUnit("mg").setSystem("http://unitsofmeasure.org").setCode("mg");
        d.addDoseAndRate().setDose(q);
        mr.getDispenseRequest().getQuantity().setValue(30).setUnit("tablet");
        return mr;
    }

    // ---- prefetch as an EHR computes it from the discovery templates -----------------------

    public static JsonNode discovery() {
        try {
            return JSON.readTree(cds("/cds-services").get("/cds-services").then().statusCode(200).extract().asString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode templates(String serviceId) {
        for (JsonNode s : discovery().get("services")) {
            if (s.get("id").asText().equals(serviceId)) {
                return s.get("prefetch");
            }
        }
        throw new IllegalArgumentException(serviceId);
    }

    /**
     * Every prefetch key answered from {@code resources} the way a FHIR server answers the
     * template: a read of the Patient (null when absent) or a searchset of the patient's resources
     * of the type, filtered by the template's {@code code} tokens.
     */
    public static ObjectNode prefetch(JsonNode templates, List<Resource> resources, String patientId) {
        ObjectNode out = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = templates.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Object answer = answer(e.getValue().asText().replace("{{context.patientId}}", patientId), resources, patientId);
            if (answer == null) {
                out.putNull(e.getKey());
            } else {
                out.set(e.getKey(), tree((Resource) answer));
            }
        }
        return out;
    }

    public static Resource answer(String query, List<Resource> resources, String patientId) {
        if (!query.contains("?")) {
            String id = query.substring(query.indexOf('/') + 1);
            return resources.stream().filter(r -> r instanceof Patient && r.getIdElement().getIdPart().equals(id))
                    .findFirst().orElse(null);
        }
        String type = query.substring(0, query.indexOf('?'));
        Map<String, String> params = new HashMap<>();
        for (String p : query.substring(query.indexOf('?') + 1).split("&")) {
            String[] kv = p.split("=", 2);
            params.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        Bundle b = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        for (Resource r : resources) {
            if (!r.fhirType().equals(type) || !("Patient/" + patientId).equals(subject(r))) {
                continue;
            }
            if (params.containsKey("code") && !matches(params.get("code"), code(r))) {
                continue;
            }
            b.addEntry().setFullUrl("https://ehr.test/fhir/" + type + "/" + r.getIdElement().getIdPart()).setResource(r)
                    .getSearch().setMode(Bundle.SearchEntryMode.MATCH);
        }
        b.setTotal(b.getEntry().size());
        return b;
    }

    static String subject(Resource r) {
        try {
            Reference ref = (Reference) r.getClass().getMethod("getSubject").invoke(r);
            return ref == null ? null : ref.getReference();
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    static CodeableConcept code(Resource r) {
        try {
            return (CodeableConcept) r.getClass().getMethod("getCode").invoke(r);
        } catch (ReflectiveOperationException | ClassCastException e) {
            return null;
        }
    }

    static boolean matches(String tokens, CodeableConcept cc) {
        if (cc == null) {
            return false;
        }
        for (String t : tokens.split(",")) {
            String system = t.contains("|") ? t.substring(0, t.indexOf('|')) : null;
            String value = t.contains("|") ? t.substring(t.indexOf('|') + 1) : t;
            for (Coding c : cc.getCoding()) {
                if (value.equals(c.getCode()) && (system == null || system.equals(c.getSystem()))) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- golden cases ----------------------------------------------------------------------

    /** A built-in golden case's resources, as {@link #caseResources(GoldenCases.Case)}. */
    public static List<Resource> caseResources(String name) {
        return caseResources(GoldenCases.named(name));
    }

    /**
     * A golden case's resources as an EHR's FHIR server would hold them: references to bundle
     * entries ({@code urn:uuid:}) rewritten to {@code Type/id}, as a transaction leaves them.
     */
    public static List<Resource> caseResources(GoldenCases.Case golden) {
        Bundle b = CTX.newJsonParser().parseResource(Bundle.class, golden.bundle());
        Map<String, String> byFullUrl = new HashMap<>();
        for (Bundle.BundleEntryComponent e : b.getEntry()) {
            if (e.hasFullUrl()) {
                byFullUrl.put(e.getFullUrl(), e.getResource().fhirType() + "/" + e.getResource().getIdElement().getIdPart());
            }
        }
        List<Resource> out = new ArrayList<>();
        for (Bundle.BundleEntryComponent e : b.getEntry()) {
            Resource r = e.getResource();
            for (Reference ref : CTX.newTerser().getAllPopulatedChildElementsOfType(r, Reference.class)) {
                if (ref.hasReference() && byFullUrl.containsKey(ref.getReference())) {
                    ref.setReference(byFullUrl.get(ref.getReference()));
                }
            }
            r.setId(r.fhirType() + "/" + r.getIdElement().getIdPart());
            out.add(r);
        }
        return out;
    }

    /**
     * {rule severity} of every finding the cards stand for (card extension), sorted with
     * duplicates kept: a finding on two cards is a defect, and shows as listed twice.
     */
    public static List<String> cardFindings(JsonNode response) {
        List<String> out = new ArrayList<>();
        for (JsonNode card : response.get("cards")) {
            for (JsonNode f : card.get("extension").get("org.e2guard.findings")) {
                out.add(f.get("rule").asText() + " " + f.get("severity").asText());
            }
        }
        return out.stream().sorted().toList();
    }

    /** The findings of one patient's cards, for comparing with a golden case's expected multiset. */
    public static List<GoldenCases.Finding> cardFindings(JsonNode response, String patientRef) {
        return GoldenCases.multiset(cardFindings(response).stream().map(s -> s.split(" "))
                .map(rs -> new GoldenCases.Finding(patientRef, rs[0], rs[1])).toList());
    }

    /**
     * Every finding on the cards as shown to the clinician: each card's detail holds its members'
     * details in the order of its findings extension, each beginning with that finding's summary and
     * listing its recommended actions by their displays.
     */
    public static List<GoldenCases.Shown> shownOnCards(JsonNode response, String patientRef) {
        List<GoldenCases.Shown> out = new ArrayList<>();
        for (JsonNode card : response.get("cards")) {
            String[] parts = card.get("detail").asText().split("\n\n---\n\n");
            JsonNode findings = card.get("extension").get("org.e2guard.findings");
            assertEquals(findings.size(), parts.length, "one detail part per finding on " + card);
            for (int i = 0; i < parts.length; i++) {
                JsonNode f = findings.get(i);
                // the lead's part does not repeat the card's summary; every other part opens with its own
                String summary = i == 0 ? card.get("summary").asText() : parts[i].lines().findFirst().orElse("");
                String detail = i == 0 ? summary + "\n\n" + parts[i] : parts[i];
                if (i == 0) {
                    assertFalse(parts[0].startsWith(summary), "the card's summary is not repeated in its detail");
                }
                out.add(new GoldenCases.Shown(new GoldenCases.Finding(patientRef, f.get("rule").asText(), f.get("severity").asText()),
                        actionsListed(detail), summary, detail));
            }
        }
        return out;
    }

    /** The action codes a detail's "Recommended actions" list names by their displays. */
    static Set<String> actionsListed(String detail) {
        Set<String> out = new LinkedHashSet<>();
        int at = detail.indexOf("\nRecommended actions:\n");
        if (at < 0) {
            return out;
        }
        for (String line : detail.substring(at).lines().skip(2).toList()) {
            if (!line.startsWith("- ")) {
                break;
            }
            for (org.e2guard.engine.Action a : org.e2guard.engine.Action.values()) {
                if (line.substring(2).equals(a.display())) {
                    out.add(a.code());
                }
            }
        }
        return out;
    }

    /** The card that holds the finding of this rule. */
    public static JsonNode cardOf(JsonNode response, String rule) {
        for (JsonNode card : response.get("cards")) {
            for (JsonNode f : card.get("extension").get("org.e2guard.findings")) {
                if (f.get("rule").asText().equals(rule)) {
                    return card;
                }
            }
        }
        return null;
    }

    // ---- the EHR's FHIR server -------------------------------------------------------------

    public static IGenericClient ehr() {
        CTX.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient client = CTX.newRestfulGenericClient(config("e2guard-test.fhir"));
        client.registerInterceptor(new BearerTokenAuthInterceptor(EhrTestServer.ACCESS_TOKEN));
        return client;
    }

    /** Stores the resources on the EHR's FHIR server (update = create with the given id). */
    public static void store(List<Resource> resources) {
        IGenericClient ehr = ehr();
        for (Resource r : resources) {
            ehr.update().resource(r).execute();
        }
    }

    /** Copies of a case's resources for another patient id, every id prefixed, so tests do not collide. */
    public static List<Resource> forPatient(List<Resource> resources, String oldPatient, String newPatient) {
        List<Resource> out = new ArrayList<>();
        for (Resource r : resources) {
            Resource c = r.copy();
            String id = c.getIdElement().getIdPart();
            c.setId(c.fhirType() + "/" + (c instanceof Patient ? newPatient : newPatient + "-" + id));
            for (Reference ref : CTX.newTerser().getAllPopulatedChildElementsOfType(c, Reference.class)) {
                if (("Patient/" + oldPatient).equals(ref.getReference())) {
                    ref.setReference("Patient/" + newPatient);
                }
            }
            out.add(c);
        }
        return out;
    }

    public static ArrayNode array(JsonNode... nodes) {
        ArrayNode a = JSON.createArrayNode();
        for (JsonNode n : nodes) {
            a.add(n);
        }
        return a;
    }
}
