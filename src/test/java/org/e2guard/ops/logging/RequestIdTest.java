package org.e2guard.ops.logging;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.e2guard.testing.GoldenCases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** Every request gets an id: in the response header and on every log line it causes. */
@QuarkusTest
class RequestIdTest {
    static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    LogCapture logs;
    Level before;

    @BeforeEach
    void capture() {
        Logger e2guard = Logger.getLogger("org.e2guard");
        before = e2guard.getLevel();
        e2guard.setLevel(Level.FINE); // DEBUG, so the evaluation's own line (on the worker thread) shows
        logs = LogCapture.install();
    }

    @AfterEach
    void release() {
        logs.close();
        Logger.getLogger("org.e2guard").setLevel(before);
    }

    @Test
    void callersIdIsKeptEchoedAndOnEveryLogLineOfTheRequest() throws IOException {
        String bundle = GoldenCases.named("c01-man-e2-suppressed-transaction").bundle();
        given().urlEncodingEnabled(false)
                .header("Authorization", "Bearer test-key")
                .header("X-Request-Id", "ehr-7f3a.42")
                .contentType("application/fhir+json").body(bundle)
                .when().post("/fhir/$evaluate?asOf=2026-07-01T00:00:00Z")
                .then().statusCode(200).header("X-Request-Id", equalTo("ehr-7f3a.42"));

        List<LogCapture.Line> ours = awaitRequestLine("ehr-7f3a.42");
        // the evaluation logs on a worker thread, the request line on the event loop: both carry the id
        assertTrue(ours.stream().anyMatch(l -> l.category().equals("org.e2guard.evaluation.EvaluationService")
                && l.message().contains("E2_SUPPRESSED/moderate")), "evaluation debug line with the id: " + ours);
        LogCapture.Line request = ours.stream().filter(l -> l.category().equals("org.e2guard.request")).findFirst().orElseThrow();
        assertEquals("POST /fhir/{operation: \\$evaluate|%24evaluate} -> 200", request.message().replaceAll(" in \\d+ ms$", ""));
        for (LogCapture.Line l : logs.lines()) {
            if (l.category().startsWith("org.e2guard")) {
                assertEquals("ehr-7f3a.42", l.mdc().get("requestId"), "every e2guard line of the request: " + l);
            }
        }
    }

    @Test
    void correlationIdHeaderIsAcceptedAndEchoedUnderBothNames() {
        given().header("X-Correlation-Id", "corr-1")
                .when().get("/fhir/metadata")
                .then().statusCode(200)
                .header("X-Request-Id", equalTo("corr-1"))
                .header("X-Correlation-Id", equalTo("corr-1"));
    }

    @Test
    void withoutAnIdOneIsGenerated() {
        String id = given().when().get("/fhir/metadata")
                .then().statusCode(200).header("X-Request-Id", matchesPattern(UUID)).extract().header("X-Request-Id");
        String other = given().when().get("/fhir/metadata").then().extract().header("X-Request-Id");
        assertFalse(id.equals(other), "a new id per request");
    }

    @Test
    void anIdThatIsNotAnIdIsReplacedSoItCannotForgeLogLines() {
        given().header("X-Request-Id", "x\tINFO fake line; MRN 12345")
                .when().get("/fhir/metadata")
                .then().statusCode(200).header("X-Request-Id", matchesPattern(UUID));
        assertNull(RequestId.accept("a".repeat(129)));
        assertNull(RequestId.accept("-leading-dash"));
        assertEquals("abc-123", RequestId.accept(" abc-123 "));
    }

    @Test
    void rejectedRequestsCarryTheIdToo() {
        given().header("X-Request-Id", "no-key-1").contentType("application/fhir+json").body("{}")
                .when().post("/fhir/%24evaluate")
                .then().statusCode(401).header("X-Request-Id", equalTo("no-key-1"));
    }

    @Test
    void probesAndScrapesAreNotRequestLogged() {
        given().header("X-Request-Id", "probe-1").when().get("/q/health/live").then().statusCode(200)
                .header("X-Request-Id", equalTo("probe-1"));
        given().header("X-Request-Id", "api-1").when().get("/fhir/metadata").then().statusCode(200);
        awaitRequestLine("api-1");
        assertTrue(logs.lines().stream().noneMatch(l -> "probe-1".equals(l.mdc().get("requestId"))
                && l.category().equals("org.e2guard.request")));
    }

    /** The request line is written when the response has ended, which may be just after the client has it. */
    List<LogCapture.Line> awaitRequestLine(String id) {
        long deadline = System.currentTimeMillis() + 5000;
        while (true) {
            List<LogCapture.Line> ours = logs.lines().stream().filter(l -> id.equals(l.mdc().get("requestId"))).toList();
            if (ours.stream().anyMatch(l -> l.category().equals("org.e2guard.request"))
                    || System.currentTimeMillis() > deadline) {
                return ours;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ours;
            }
        }
    }
}
