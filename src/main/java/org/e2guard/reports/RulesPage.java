package org.e2guard.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.e2guard.engine.Rule;
import org.e2guard.evaluation.RuleStatistics;
import org.e2guard.mapping.output.RuleCounts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The live rule statistics as a page: findings per 1,000 patients evaluated per rule and severity,
 * and per rule the cards shown and what clinicians did with them (override rate: overridden of the
 * feedback received). Each chart has its numbers in a table beside it. Counts only: there is no
 * patient in the statistics to show.
 */
final class RulesPage {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RulesPage() {
    }

    /** One rule's row: the numbers of both tables. */
    record Row(Rule rule, Map<String, Long> severity, long findings, long silent, double per1000, long cards, long accepted,
               long overridden, Map<String, Long> reasons) {
        /** Overridden of all feedback on the rule's cards, in percent; null without feedback. */
        Double overrideRate() {
            long feedback = accepted + overridden;
            return feedback == 0 ? null : Math.round(overridden * 1000.0 / feedback) / 10.0;
        }
    }

    static List<Row> rows(RuleCounts counts) {
        List<Row> rows = new ArrayList<>();
        for (Rule r : Rule.values()) {
            RuleCounts.PerRule c = counts.rule(r);
            Map<String, Long> severity = new LinkedHashMap<>();
            for (String sev : ReportsResource.SEVERITIES) {
                severity.put(sev, c.stratum(RuleCounts.SEVERITY, sev));
            }
            rows.add(new Row(r, severity, c.patients(), c.stratum(RuleCounts.MODE, "silent"), counts.per1000(c.patients()),
                    c.stratum(RuleCounts.OUTCOME, RuleStatistics.CARD_SHOWN), c.stratum(RuleCounts.OUTCOME, "accepted"),
                    c.stratum(RuleCounts.OUTCOME, "overridden"), c.strata().getOrDefault(RuleCounts.OVERRIDE_REASON, Map.of())));
        }
        return rows;
    }

    static String render(String from, String to, RuleCounts counts) throws JsonProcessingException {
        List<Row> rows = rows(counts);
        Html h = new Html().page("Rule statistics", true);
        h.raw("<header>").el("h1", "", "Rule statistics: firing and override rates")
                .el("p", "class=\"facts\"", String.format(Locale.ROOT,
                        "%s to %s (UTC): %,d patients evaluated through $evaluate, CDS Hooks and the EHR path.", from, to,
                        counts.evaluated()))
                .el("p", "class=\"meta\"", "Live statistics of this deployment, kept as daily counts without any patient"
                        + " identifier; the same numbers as GET /admin/rules/report?from=" + from + "&to=" + to + " (a MeasureReport).")
                .raw("</header><main>");
        h.raw("<form class=\"period\" method=\"get\" action=\"/reports/rules\"><label for=\"from\">From</label>")
                .raw("<input id=\"from\" name=\"from\" type=\"date\" value=\"").text(from).raw("\">")
                .raw("<label for=\"to\">to</label><input id=\"to\" name=\"to\" type=\"date\" value=\"").text(to).raw("\">")
                .raw("<button type=\"submit\">Show</button></form>");

        h.raw("<section id=\"rates\"><h2>Findings per 1,000 patients evaluated</h2>");
        h.raw("<figure><div class=\"chart\" id=\"chart-rates\" role=\"img\" aria-label=\"Bar chart of findings per 1,000 patients"
                + " evaluated by rule, stacked by severity; the same numbers are in the table below.\"></div>");
        h.raw("<figcaption>Bars stack high, moderate and low severity; hatching and colour both tell them apart."
                + " Silent rules are counted too (column Silent).</figcaption></figure>");
        h.raw("<table id=\"table-rates\"><caption>Findings per rule and severity (findings, and per 1,000 patients evaluated)</caption>")
                .raw("<thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">What</th><th scope=\"col\">High</th>"
                        + "<th scope=\"col\">Moderate</th><th scope=\"col\">Low</th><th scope=\"col\">Findings</th>"
                        + "<th scope=\"col\">Silent</th><th scope=\"col\">Per 1,000</th></tr></thead><tbody>");
        for (Row r : rows) {
            h.raw("<tr data-rule=\"").text(r.rule().code()).raw("\"><th scope=\"row\">").text(r.rule().id() + " " + r.rule().code())
                    .raw("</th><td>").text(r.rule().title()).raw("</td>");
            for (String sev : ReportsResource.SEVERITIES) {
                h.raw("<td data-severity=\"" + sev + "\">").text(r.severity().get(sev)).raw("</td>");
            }
            h.raw("<td class=\"findings\">").text(r.findings()).raw("</td><td class=\"silent\">").text(r.silent())
                    .raw("</td><td class=\"per1000\">").text(ReportsResource.PopulationPage.format(r.per1000())).raw("</td></tr>");
        }
        h.raw("</tbody></table></section>");

        h.raw("<section id=\"overrides\"><h2>Override rates per rule</h2>");
        h.raw("<figure><div class=\"chart\" id=\"chart-overrides\" role=\"img\" aria-label=\"Bar chart of the override rate per rule:"
                + " overridden cards as a percentage of the CDS feedback received; the same numbers are in the table below.\"></div>");
        h.raw("<figcaption>Rules without feedback have no bar.</figcaption></figure>");
        h.raw("<table id=\"table-overrides\"><caption>Cards shown and CDS feedback per rule</caption><thead><tr>")
                .raw("<th scope=\"col\">Rule</th><th scope=\"col\">Cards shown</th><th scope=\"col\">Accepted</th>"
                        + "<th scope=\"col\">Overridden</th><th scope=\"col\">Override rate</th>"
                        + "<th scope=\"col\">Override reasons</th></tr></thead><tbody>");
        for (Row r : rows) {
            List<String> reasons = new ArrayList<>();
            r.reasons().forEach((code, n) -> reasons.add(code + " " + n));
            h.raw("<tr data-rule=\"").text(r.rule().code()).raw("\"><th scope=\"row\">").text(r.rule().id() + " " + r.rule().code())
                    .raw("</th><td class=\"cards\">").text(r.cards()).raw("</td><td class=\"accepted\">").text(r.accepted())
                    .raw("</td><td class=\"overridden\">").text(r.overridden()).raw("</td><td class=\"override-rate\">")
                    .text(r.overrideRate() == null ? "no feedback" : ReportsResource.PopulationPage.format(r.overrideRate()) + " %")
                    .raw("</td><td>").text(reasons.isEmpty() ? "none" : String.join(", ", reasons)).raw("</td></tr>");
        }
        h.raw("</tbody></table></section></main>");
        h.data(JSON.writeValueAsString(chartData(rows)));
        return h.end();
    }

    /** The numbers the charts draw: exactly those of the tables. */
    static Map<String, Object> chartData(List<Row> rows) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("rules", rows.stream().map(r -> r.rule().id() + " " + r.rule().code()).toList());
        Map<String, List<Double>> bySeverity = new LinkedHashMap<>();
        for (String sev : ReportsResource.SEVERITIES) {
            bySeverity.put(sev, rows.stream().map(r -> r.findings() == 0 ? 0.0
                    : Math.round(r.per1000() * r.severity().get(sev) * 10.0 / r.findings()) / 10.0).toList());
        }
        d.put("severity", bySeverity);
        d.put("overrides", rows.stream().map(Row::overrideRate).toList());
        return d;
    }
}
