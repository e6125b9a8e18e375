package org.e2guard.ops.logging;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.e2guard.testing.GoldenCases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTest;

/**
 * No patient datum of any golden case reaches the log, with e2guard and HAPI logging at DEBUG:
 * every case goes through {@code POST /fhir/$evaluate} as sent, and twice damaged (an unknown
 * element carrying the MRN; that plus an invalid birth date) to drive the error paths too. Everything
 * logged on any category, and anything printed to stdout/stderr, is searched for the cases'
 * ids, MRNs, birth dates, names and observation values with units.
 */
@QuarkusTest
class NoPatientDataInLogsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The categories turned up to DEBUG for the test; their levels are restored afterwards. */
    static final List<String> DEBUG = List.of("org.e2guard", "ca.uhn", "ca.uhn.fhir");

    final Map<String, Level> levels = new LinkedHashMap<>();
    LogCapture logs;
    PrintStream out;
    PrintStream err;
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    // per test, not @BeforeAll: Quarkus sets up logging when it starts, which may be after @BeforeAll
    @BeforeEach
    void turnUpLogging() {
        for (String category : DEBUG) {
            Logger l = Logger.getLogger(category);
            levels.put(category, l.getLevel());
            l.setLevel(Level.FINE);
        }
        logs = LogCapture.install();
        out = System.out;
        err = System.err;
        System.setOut(new PrintStream(new Tee(out, printed), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(err, printed), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(out);
        System.setErr(err);
        logs.close();
        levels.forEach((category, level) -> Logger.getLogger(category).setLevel(level));
    }

    @Test
    void noPatientDatumOfAnyCaseIsLogged() throws IOException {
        List<GoldenCases.Case> cases = GoldenCases.all();
        PatientData data = PatientData.of(cases.stream().map(GoldenCases.Case::bundlePath).toList());

        // the capture works and the detector bites: a planted line, through the real pipeline
        String mrn = data.tokens().stream().filter(t -> t.startsWith("MRN")).findFirst().orElseThrow();
        org.jboss.logging.Logger.getLogger("org.e2guard.selfcheck").debugf("planted: patient %s", mrn);
        assertTrue(logs.lines().stream().anyMatch(l -> !data.findIn(l.text()).isEmpty()),
                "a planted DEBUG line with an MRN must be caught");
        logs.clear();

        for (GoldenCases.Case c : cases) {
            String name = c.toString();
            String asOf = c.asOf();
            post(c.bundle(), asOf, 200);
            for (boolean badDate : new boolean[] {false, true}) {
                int status = given().urlEncodingEnabled(false)
                        .header("Authorization", "Bearer test-key").contentType("application/fhir+json")
                        .body(damaged(JSON.readTree(c.bundle()), badDate))
                        .when().post("/fhir/$evaluate?asOf=" + asOf).then().extract().statusCode();
                assertTrue(status == 200 || status == 400, name + " damaged: " + status);
            }
        }

        // the test saw real DEBUG output of the service, so "nothing found" means something
        assertTrue(logs.lines().stream().anyMatch(l -> l.level().intValue() <= Level.FINE.intValue() && l.category().startsWith("org.e2guard.")),
                "expected DEBUG lines from e2guard");
        List<String> leaks = new ArrayList<>();
        for (LogCapture.Line line : logs.lines()) {
            data.findIn(line.text()).forEach(h -> leaks.add(line.category() + ": '" + h.datum() + "' in ..." + h.where() + "..."));
        }
        data.findIn(printed.toString(StandardCharsets.UTF_8)).forEach(h -> leaks.add("stdout/stderr: '" + h.datum()
                + "' in ..." + h.where() + "..."));
        if (!leaks.isEmpty()) {
            fail("patient data in the log:\n" + String.join("\n", leaks));
        }
        assertFalse(logs.lines().isEmpty());
    }

    void post(String body, String asOf, int status) {
        given().urlEncodingEnabled(false)
                .header("Authorization", "Bearer test-key").contentType("application/fhir+json").body(body)
                .when().post("/fhir/$evaluate?asOf=" + asOf).then().statusCode(status);
    }

    /**
     * The bundle with its first Patient given an unknown element holding the MRN (parsed leniently
     * or rejected) and, if asked, an invalid birth date (rejected with 400, quoting nothing).
     */
    static String damaged(JsonNode bundle, boolean badBirthDate) {
        for (JsonNode entry : bundle.path("entry")) {
            if (entry.path("resource") instanceof ObjectNode r && "Patient".equals(r.path("resourceType").asText())) {
                r.put("mrnCopy", r.path("identifier").path(0).path("value").asText("MRN-x"));
                if (badBirthDate) {
                    r.put("birthDate", r.path("birthDate").asText("1970-01-01") + " 25:61");
                }
                break;
            }
        }
        return bundle.toString();
    }

    /** Copies what is printed to the real stream and to the buffer searched by the test. */
    static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
        }
    }
}
