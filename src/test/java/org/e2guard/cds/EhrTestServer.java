package org.e2guard.cds;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The EHR side of the CDS Hooks tests, on one Jetty over loopback, started before Quarkus:
 * <ul>
 * <li>a real HAPI FHIR plain server at {@code /fhir} holding patient data, answering the reads and
 * searches e2guard issues (by patient, code and _id), paging every search three resources at a
 * time, and refusing any request without the expected bearer token;</li>
 * <li>JWK Sets at {@code /jwks/*}: the trusted issuer's keys, an allow-listed {@code jku}, one that
 * is not allow-listed, and a rotation that publishes a new key on demand.</li>
 * </ul>
 * Its URLs and the test signing keys reach the tests as configuration ({@code e2guard-test.*}).
 */
public class EhrTestServer implements QuarkusTestResourceLifecycleManager {
    public static final String ACCESS_TOKEN = "ehr-access-token-for-e2guard";
    public static final String ISSUER = "https://ehr.test/";
    public static final String TENANT_ISSUER = "https://tenanted-ehr.test/";
    public static final String TENANT = "org-42";
    public static final int PAGE_SIZE = 3;

    private Server jetty;

    @Override
    public Map<String, String> start() {
        try {
            JWK ec = new ECKeyGenerator(Curve.P_384).keyID("ec-1").keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES384).generate();
            JWK rsa = new RSAKeyGenerator(2048).keyID("rsa-1").keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS384).generate();
            JWK rotated = new ECKeyGenerator(Curve.P_384).keyID("ec-2").keyUse(KeyUse.SIGNATURE).generate();
            JWK rogue = new ECKeyGenerator(Curve.P_384).keyID("rogue").generate();
            JWK jkuOk = new ECKeyGenerator(Curve.P_384).keyID("jku-ok-1").generate();
            JWK jkuBad = new ECKeyGenerator(Curve.P_384).keyID("jku-bad-1").generate();

            Jwks jwks = new Jwks();
            jwks.sets.put("ehr", new CopyOnWriteArrayList<>(List.of(ec.toPublicJWK(), rsa.toPublicJWK())));
            jwks.sets.put("jku-ok", new CopyOnWriteArrayList<>(List.of(jkuOk.toPublicJWK())));
            jwks.sets.put("jku-bad", new CopyOnWriteArrayList<>(List.of(jkuBad.toPublicJWK())));
            jwks.pending.put("ehr", rotated.toPublicJWK());

            FhirContext ctx = FhirContext.forR4();
            RestfulServer fhir = new RestfulServer(ctx);
            FifoMemoryPagingProvider paging = new FifoMemoryPagingProvider(1000);
            paging.setDefaultPageSize(PAGE_SIZE);
            paging.setMaximumPageSize(PAGE_SIZE);
            fhir.setPagingProvider(paging);
            fhir.setDefaultResponseEncoding(ca.uhn.fhir.rest.api.EncodingEnum.JSON);
            fhir.registerProviders(List.of(
                    new Store<>(Patient.class), new Store<>(Observation.class), new Store<>(MedicationStatement.class),
                    new Store<>(MedicationRequest.class), new Store<>(Condition.class),
                    new Store<>(DiagnosticReport.class), new Store<>(Medication.class)));
            fhir.registerInterceptor(new BearerCheck());

            jetty = new Server(new InetSocketAddress("127.0.0.1", 0));
            ServletContextHandler root = new ServletContextHandler("/");
            root.addServlet(new ServletHolder(fhir), "/fhir/*");
            root.addServlet(new ServletHolder(jwks), "/jwks/*");
            jetty.setHandler(root);
            jetty.start();
            String base = "http://127.0.0.1:" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();

            Map<String, String> config = new HashMap<>();
            config.put("e2guard.cds.security.issuers.ehr.issuer", ISSUER);
            config.put("e2guard.cds.security.issuers.ehr.jwks-url", base + "/jwks/ehr");
            config.put("e2guard.cds.security.issuers.ehr.allowed-jku", base + "/jwks/jku-ok");
            config.put("e2guard.cds.security.issuers.tenanted.issuer", TENANT_ISSUER);
            config.put("e2guard.cds.security.issuers.tenanted.jwks-url", base + "/jwks/ehr");
            config.put("e2guard.cds.security.issuers.tenanted.tenant", TENANT);
            // the rotation test must be able to refetch at once
            config.put("e2guard.cds.security.jwks-refresh-min-interval", "0S");
            config.put("e2guard.cds.fhir-server.deadline", "5S");
            config.put("e2guard-test.base", base);
            config.put("e2guard-test.fhir", base + "/fhir");
            JWKSet signing = new JWKSet(List.of(ec, rsa, rotated, rogue, jkuOk, jkuBad));
            config.put("e2guard-test.signing-jwks", signing.toString(false));
            return config;
        } catch (Exception e) {
            throw new IllegalStateException("EHR test server did not start", e);
        }
    }

    @Override
    public void stop() {
        try {
            if (jetty != null) {
                jetty.stop();
            }
        } catch (Exception e) {
            // test JVM ends anyway
        }
    }

    /** The FHIR server only answers requests carrying the access token the "EHR" gave e2guard. */
    public static final class BearerCheck {
        static final AtomicInteger REQUESTS = new AtomicInteger();

        @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
        public boolean check(RequestDetails request, HttpServletRequest servletRequest, HttpServletResponse servletResponse) {
            REQUESTS.incrementAndGet();
            String auth = servletRequest.getHeader("Authorization");
            if (auth == null || !auth.equals("Bearer " + ACCESS_TOKEN)) {
                throw new AuthenticationException("Missing or wrong bearer token");
            }
            return true;
        }
    }

    /**
     * An in-memory resource store with the FHIR searches e2guard issues: {@code patient}
     * (subject), {@code code} (any coding, OR'd tokens) and {@code _id}.
     */
    public static final class Store<T extends IBaseResource> implements IResourceProvider {
        private final Class<T> type;
        private final Map<String, T> byId = new ConcurrentHashMap<>();

        Store(Class<T> type) {
            this.type = type;
        }

        @Override
        public Class<T> getResourceType() {
            return type;
        }

        @Read
        public T read(@IdParam IdType id) {
            T r = byId.get(id.getIdPart());
            if (r == null) {
                throw new ResourceNotFoundException(id);
            }
            return r;
        }

        @Update
        public MethodOutcome update(@IdParam IdType id, @ResourceParam T resource) {
            resource.setId(type.getSimpleName() + "/" + id.getIdPart());
            byId.put(id.getIdPart(), resource);
            return new MethodOutcome(new IdType(type.getSimpleName(), id.getIdPart()));
        }

        @Search(allowUnknownParams = true)
        public List<IBaseResource> search(@OptionalParam(name = "patient") ReferenceParam patient,
                                          @OptionalParam(name = "code") TokenOrListParam code,
                                          @OptionalParam(name = "_id") TokenOrListParam ids) {
            List<IBaseResource> out = new ArrayList<>();
            for (Map.Entry<String, T> e : new java.util.TreeMap<>(byId).entrySet()) {
                T r = e.getValue();
                if (ids != null && ids.getValuesAsQueryTokens().stream().noneMatch(t -> t.getValue().equals(e.getKey()))) {
                    continue;
                }
                if (patient != null && !("Patient/" + patient.getIdPart()).equals(subject(r))) {
                    continue;
                }
                if (code != null && !matches(code, codeOf(r))) {
                    continue;
                }
                out.add(r);
            }
            return out;
        }

        private static String subject(IBaseResource r) {
            try {
                Method m = r.getClass().getMethod("getSubject");
                Reference ref = (Reference) m.invoke(r);
                return ref == null ? null : ref.getReference();
            } catch (ReflectiveOperationException e) {
                return null;
            }
        }

        private static CodeableConcept codeOf(IBaseResource r) {
            try {
                return (CodeableConcept) r.getClass().getMethod("getCode").invoke(r);
            } catch (ReflectiveOperationException | ClassCastException e) {
                return null;
            }
        }

        private static boolean matches(TokenOrListParam tokens, CodeableConcept cc) {
            if (cc == null) {
                return false;
            }
            for (TokenParam t : tokens.getValuesAsQueryTokens()) {
                for (Coding c : cc.getCoding()) {
                    if (t.getValue().equals(c.getCode()) && (t.getSystem() == null || t.getSystem().equals(c.getSystem()))) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** JWK Sets by name; {@code POST /jwks/<name>/rotate} publishes that set's pending key. */
    static final class Jwks extends HttpServlet {
        final Map<String, List<JWK>> sets = new ConcurrentHashMap<>();
        final Map<String, JWK> pending = new ConcurrentHashMap<>();

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            String name = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
            List<JWK> keys = sets.get(name);
            if (keys == null) {
                res.setStatus(404);
                return;
            }
            res.setContentType("application/json");
            res.getOutputStream().write(new JWKSet(keys).toString(true).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse res) {
            String path = req.getPathInfo() == null ? "" : req.getPathInfo();
            if (path.endsWith("/rotate")) {
                String name = path.substring(1, path.length() - "/rotate".length());
                JWK next = pending.remove(name);
                if (next != null) {
                    sets.get(name).add(next);
                }
                res.setStatus(204);
                return;
            }
            res.setStatus(404);
        }
    }
}
