package org.e2guard.ops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The alert rules of k8s/monitoring/prometheusrule.yaml are valid PromQL (promtool check rules),
 * fire when they should and stay quiet when they should not (promtool test rules with
 * src/test/resources/ops/alerts-test.yaml and alerts-rule-rate-test.yaml), and use only e2guard's own metric names.
 */
class AlertRulesTest {
    static final YAMLMapper YAML = new YAMLMapper();
    static final Path RULE = Path.of("k8s/monitoring/prometheusrule.yaml");
    /** The promtool test files under src/test/resources/ops (the rule-rate one has its own evaluation interval). */
    static final List<String> TESTS = List.of("alerts-test.yaml", "alerts-rule-rate-test.yaml");

    /**
     * The metrics the rules may use: those e2guard exports (helper-common metric names in
     * Prometheus form; MetricsTest checks those that exist on this branch) and Prometheus' own.
     */
    static final Set<String> KNOWN = Set.of(
            "e2guard_evaluations_total", "e2guard_findings_total",
            "e2guard_cds_request_seconds_bucket", "e2guard_cds_request_seconds_count", "e2guard_cds_request_seconds_sum",
            "e2guard_cds_feedback_total", "e2guard_notifications_received_total",
            "e2guard_outbox_depth", "e2guard_outbox_oldest_age_seconds", "e2guard_outbox_dead_letters",
            "e2guard_writeback_failures_total",
            "http_server_requests_seconds_count", "http_server_requests_seconds_bucket", "http_server_requests_seconds_sum",
            "up");

    /** Writes the PrometheusRule's groups as a plain Prometheus rules file. */
    static Path rulesFile(Path dir) throws IOException {
        JsonNode rule = YAML.readTree(RULE.toFile());
        assertEquals("PrometheusRule", rule.path("kind").asText());
        ObjectNode plain = YAML.createObjectNode();
        plain.set("groups", rule.path("spec").path("groups"));
        Path out = dir.resolve("rules.yaml");
        YAML.writeValue(out.toFile(), plain);
        return out;
    }

    static String promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Tools.promtool().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool timed out");
        assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void rulesAreValidPromql(@TempDir Path dir) throws Exception {
        rulesFile(dir);
        String out = promtool(dir, "check", "rules", "rules.yaml");
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void alertsFireOnTheSeriesTheyAreWrittenFor(@TempDir Path dir) throws Exception {
        rulesFile(dir);
        for (String tests : TESTS) {
            Files.copy(Path.of("src/test/resources/ops", tests), dir.resolve(tests));
            String out = promtool(dir, "test", "rules", tests);
            assertTrue(out.contains("SUCCESS"), tests + ": " + out);
        }
    }

    @Test
    void everyAlertIsUnitTestedAndCoversWhatOperatorsMustSee() throws IOException {
        Set<String> alerts = new TreeSet<>();
        YAML.readTree(RULE.toFile()).path("spec").path("groups")
                .forEach(g -> g.path("rules").forEach(r -> {
                    if (r.has("alert")) { // recording rules are tested through the alerts that read them
                        alerts.add(r.path("alert").asText());
                    }
                }));
        Set<String> tested = new TreeSet<>();
        for (String tests : TESTS) {
            YAML.readTree(Path.of("src/test/resources/ops", tests).toFile()).path("tests")
                    .forEach(t -> t.path("alert_rule_test").forEach(a -> tested.add(a.path("alertname").asText())));
        }
        assertEquals(alerts, tested, "every alert has a promtool unit test");
        assertTrue(alerts.containsAll(Set.of("E2guardEvaluationErrors", "E2guardCdsLatencyHigh", "E2guardOutboxBacklog",
                "E2guardOutboxStale", "E2guardDeadLetters", "E2guardWriteBackFailures", "E2guardRuleFiringRateOutOfBand")),
                alerts.toString());
    }

    @Test
    void rulesUseOnlyKnownMetricNames() throws IOException {
        Set<String> used = new TreeSet<>();
        for (JsonNode group : YAML.readTree(RULE.toFile()).path("spec").path("groups")) {
            for (JsonNode r : group.path("rules")) {
                Matcher m = Pattern.compile("\\b([a-z][a-z0-9_]*)\\s*\\{").matcher(r.path("expr").asText());
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertTrue(used.contains("e2guard_outbox_dead_letters"), "metrics found in expressions: " + used);
        Set<String> unknown = new TreeSet<>(used);
        unknown.removeAll(KNOWN);
        assertEquals(Set.of(), unknown, "metric names the service does not export");
    }
}
