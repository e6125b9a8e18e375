package org.e2guard.ops.metrics;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.e2guard.testing.GoldenCases;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** The metrics the alert rules in k8s/monitoring/ are written against exist under these names. */
@QuarkusTest
class MetricsTest {
    @Inject
    MeterRegistry registry;

    @Test
    void evaluatingAGoldenCaseCountsTheEvaluationAndItsFindings() throws IOException {
        String evaluations = "e2guard_evaluations_total\\{[^}]*door=\"evaluate\"[^}]*\\}";
        String findings = "e2guard_findings_total\\{[^}]*door=\"evaluate\"[^}]*rule=\"E2_SUPPRESSED\"[^}]*severity=\"moderate\"[^}]*\\}";
        String before = scrape();

        String bundle = GoldenCases.named("c01-man-e2-suppressed-transaction").bundle();
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key")
                .contentType("application/fhir+json").body(bundle)
                .when().post("/fhir/$evaluate?asOf=2026-07-01T00:00:00Z").then().statusCode(200);

        String after = scrape();
        assertEquals(value(before, evaluations) + 1, value(after, evaluations), 0.0, "one patient evaluated");
        assertEquals(value(before, findings) + 1, value(after, findings), 0.0, "one E2_SUPPRESSED/moderate finding");
        assertTrue(Pattern.compile("^# TYPE e2guard_findings(_total)? counter$", Pattern.MULTILINE).matcher(after).find(),
                "counter type: " + after.lines().filter(l -> l.contains("e2guard_findings")).toList());
    }

    @Test
    void httpServerRequestsAreTimedByRouteTemplateButProbesAreNot() {
        given().when().get("/fhir/metadata").then().statusCode(200);
        given().when().get("/q/health/ready").then().statusCode(200);
        String text = scrape();
        assertTrue(Pattern.compile("http_server_requests_seconds_count\\{[^}]*method=\"GET\"[^}]*status=\"200\"[^}]*uri=\"/fhir/metadata\"[^}]*\\} \\d")
                .matcher(text).find(), "http_server_requests_seconds for /fhir/metadata:\n" + httpLines(text));
        assertFalse(text.contains("uri=\"/q/health"), "probes are not worth a time series each");
    }

    @Test
    void cdsRequestTimerHasBucketsForTheP99Alert() {
        // the CDS Hooks service records under this name (helper-common metric names); the
        // buckets come from LatencyBuckets whoever registers the timer
        Timer timer = Timer.builder("e2guard.cds.request").tag("hook", "ops-test").register(registry);
        timer.record(Duration.ofMillis(120));
        String text;
        try {
            text = scrape();
        } finally {
            registry.remove(timer); // leave the name to the CDS service's own series
        }
        assertEquals(0, value(text, "e2guard_cds_request_seconds_bucket\\{[^}]*hook=\"ops-test\"[^}]*le=\"0\\.1\"[^}]*\\}"), 0.0);
        assertEquals(1, value(text, "e2guard_cds_request_seconds_bucket\\{[^}]*hook=\"ops-test\"[^}]*le=\"0\\.2\"[^}]*\\}"), 0.0);
        assertEquals(1, value(text, "e2guard_cds_request_seconds_bucket\\{[^}]*hook=\"ops-test\"[^}]*le=\"\\+Inf\"[^}]*\\}"), 0.0);
        assertTrue(text.contains("http_server_requests_seconds_bucket{"), "HTTP latency buckets");
    }

    static String scrape() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The sample's value, 0 when the series does not exist yet. */
    static double value(String scrape, String series) {
        Matcher m = Pattern.compile("^" + series + " ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static String httpLines(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("http_server_requests")).reduce("", (a, b) -> a + b + "\n");
    }
}
