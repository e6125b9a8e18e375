package org.e2guard.reports;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.e2guard.evaluation.RuleStatistics;
import org.e2guard.fhir.FhirError;
import org.e2guard.ops.admin.RuleReportAdminResource;
import org.e2guard.population.PatientChart;
import org.e2guard.population.PopulationJobs;
import org.e2guard.population.PopulationJson;
import org.e2guard.population.PopulationSummary;
import org.e2guard.security.ApiKeys;

import com.fasterxml.jackson.core.JsonProcessingException;

import jakarta.inject.Inject;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;

/**
 * HTML reports people look at: the dry run's findings per 1,000 per rule and severity, its what-if
 * sweep as small multiples, and a timeline per listed patient. Every chart has its numbers beside
 * it as a table (the text alternative, and what prints); the charts are drawn in the browser by
 * Apache ECharts from the same numbers, embedded in the page as JSON.
 */
@Path("/reports")
public class ReportsResource {
    static final String[] SEVERITIES = {"high", "moderate", "low"};

    @Inject
    PopulationJobs jobs;
    @Inject
    ApiKeys keys;
    @Inject
    ReportSessions sessions;
    @Inject
    RuleStatistics statistics;
    @Inject
    Clock clock;

    @GET
    @Path("login")
    @Produces(MediaType.TEXT_HTML)
    public String loginForm(@QueryParam("next") String next) {
        return loginPage(next, null);
    }

    @POST
    @Path("login")
    @Produces(MediaType.TEXT_HTML)
    public Response login(@FormParam("key") String key, @FormParam("next") String next) {
        if (key == null || !keys.accepts("Bearer " + key)) {
            return Response.status(401).type(MediaType.TEXT_HTML).entity(loginPage(next, "That key is not accepted.")).build();
        }
        NewCookie cookie = new NewCookie.Builder(ReportSessions.COOKIE).value(sessions.open()).path("/reports")
                .httpOnly(true).sameSite(NewCookie.SameSite.STRICT).maxAge((int) ReportSessions.LIFETIME.toSeconds()).build();
        return Response.seeOther(URI.create(safeNext(next))).cookie(cookie).build();
    }

    @GET
    @Path("/")
    @Produces(MediaType.TEXT_HTML)
    public String index() {
        return new Html().page("Reports", false).el("h1", "", "e2guard reports")
                .el("p", "", "Signed in. A population dry run's report is at /reports/population/{id}; its address is also in the"
                        + " dry run's manifest (extension.report).")
                .raw("<p><a href=\"/reports/rules\">Rule statistics</a>: live firing and override rates of the last 14 days.</p>").end();
    }

    @GET
    @Path("rules")
    @Produces(MediaType.TEXT_HTML)
    public Response rules(@QueryParam("from") String from, @QueryParam("to") String to) throws JsonProcessingException {
        RuleReportAdminResource.Period p;
        try {
            p = RuleReportAdminResource.period(from, to, clock);
        } catch (FhirError e) {
            return Response.status(400).type(MediaType.TEXT_HTML).entity(new Html().page("Bad period", false)
                    .el("h1", "", "Cannot show that period").el("p", "role=\"alert\"", e.getMessage()).end()).build();
        }
        return Response.ok(RulesPage.render(p.from().toString(), p.to().toString(), statistics.counts(p.from(), p.to())))
                .header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("population/{id}")
    @Produces(MediaType.TEXT_HTML)
    public Response population(@PathParam("id") String id) throws JsonProcessingException {
        PopulationSummary s = jobs.summary(id).orElse(null);
        if (s == null) {
            return Response.status(404).type(MediaType.TEXT_HTML).entity(new Html().page("Not found", false)
                    .el("h1", "", "No finished dry run " + id).el("p", "", "It is unknown, still running, cancelled or expired.")
                    .end()).build();
        }
        return Response.ok(PopulationPage.render(id, s)).header("Cache-Control", "no-store").build();
    }

    private static String loginPage(String next, String problem) {
        Html h = new Html().page("Sign in", false).raw("<main class=\"login\">").el("h1", "", "e2guard reports")
                .el("p", "", "Reports show patient data. Sign in with an e2guard API key.");
        if (problem != null) {
            h.el("p", "class=\"problem\" role=\"alert\"", problem);
        }
        return h.raw("<form method=\"post\" action=\"/reports/login\"><label for=\"key\">API key</label>")
                .raw("<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required>")
                .raw("<input type=\"hidden\" name=\"next\" value=\"").text(safeNext(next)).raw("\">")
                .raw("<button type=\"submit\" id=\"sign-in\">Sign in</button></form></main>").end();
    }

    /** Only a path of the reports: never another site (no open redirect). */
    static String safeNext(String next) {
        return next != null && next.startsWith("/reports/") && !next.startsWith("/reports//") && !next.contains("\\")
                ? next : "/reports/";
    }

    /** The page of one dry run. */
    static final class PopulationPage {
        private PopulationPage() {
        }

        static String render(String id, PopulationSummary s) throws JsonProcessingException {
            PopulationSummary.Column base = s.columns().get(0);
            Html h = new Html().page("Population dry run", true);
            h.raw("<header>").el("h1", "", "Population dry run: alert burden")
                    .el("p", "class=\"facts\"", String.format(Locale.ROOT,
                            "As of %s: %,d patients evaluated, %,d on an aromatase inhibitor, %s with at least one high-severity finding.",
                            s.asOf(), base.evaluated(), base.population(), share(base.withHigh(), base.population())))
                    .el("p", "class=\"meta\"", "Dry run " + id + ", finished " + s.finished() + "; " + s.resourcesRead()
                            + " resources read" + (s.malformed() > 0 ? ", " + s.malformed() + " unreadable lines left out" : "") + ".")
                    .raw("</header><main>");

            h.raw("<section id=\"rates\"><h2>Findings per 1,000 patients on an aromatase inhibitor</h2>");
            h.raw("<figure><div class=\"chart\" id=\"chart-rates\" role=\"img\" aria-label=\"Bar chart of findings per 1,000 patients"
                    + " by rule, stacked by severity; the same numbers are in the table below.\"></div>");
            h.raw("<figcaption>Bars stack high, moderate and low severity; hatching and colour both tell them apart.</figcaption></figure>");
            h.raw("<table id=\"table-rates\"><caption>Findings per rule and severity (patients, and per 1,000 on an aromatase inhibitor)</caption>")
                    .raw("<thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">What</th><th scope=\"col\">High</th>"
                            + "<th scope=\"col\">Moderate</th><th scope=\"col\">Low</th><th scope=\"col\">Patients</th>"
                            + "<th scope=\"col\">Per 1,000</th></tr></thead><tbody>");
            for (PopulationSummary.RuleRow r : base.rules()) {
                h.raw("<tr data-rule=\"").text(r.rule()).raw("\"><th scope=\"row\">").text(r.id() + " " + r.rule()).raw("</th><td>")
                        .text(r.title()).raw("</td>");
                for (String sev : SEVERITIES) {
                    h.raw("<td data-severity=\"" + sev + "\">").text(r.severity().getOrDefault(sev, 0L)).raw("</td>");
                }
                h.raw("<td>").text(r.patients()).raw("</td><td class=\"per1000\">").text(format(r.per1000())).raw("</td></tr>");
            }
            h.raw("</tbody></table></section>");

            h.raw("<section id=\"whatif\"><h2>What-if: the same population under other rule settings</h2>");
            if (s.columns().size() > 1) {
                h.raw("<figure><div class=\"chart tall\" id=\"chart-whatif\" role=\"img\" aria-label=\"Small multiples: one bar chart"
                        + " of findings per 1,000 by rule for each setting, on a common scale; the same numbers are in the table below.\"></div></figure>");
            }
            h.raw("<table id=\"table-whatif\"><caption>Findings per 1,000 patients on an aromatase inhibitor, per setting</caption><thead><tr>")
                    .raw("<th scope=\"col\">Rule</th>");
            for (PopulationSummary.Column c : s.columns()) {
                h.raw("<th scope=\"col\">").text(c.name()).raw("<br><small>").text(describe(c)).raw("</small></th>");
            }
            h.raw("</tr></thead><tbody>");
            for (int i = 0; i < base.rules().size(); i++) {
                h.raw("<tr><th scope=\"row\">").text(base.rules().get(i).id() + " " + base.rules().get(i).rule()).raw("</th>");
                for (PopulationSummary.Column c : s.columns()) {
                    h.raw("<td>").text(format(c.rules().get(i).per1000())).raw("</td>");
                }
                h.raw("</tr>");
            }
            h.raw("<tr><th scope=\"row\">Share with a high finding</th>");
            for (PopulationSummary.Column c : s.columns()) {
                h.raw("<td>").text(share(c.withHigh(), c.population())).raw("</td>");
            }
            h.raw("</tr></tbody></table>");
            if (s.columns().size() == 1) {
                h.el("p", "", "No what-if settings were given with this dry run.");
            }
            h.raw("</section>");

            h.raw("<section id=\"overrides\"><h2>Override rates</h2>").el("p", "",
                    "A dry run shows no cards, so nothing was accepted or overridden: override rates come from the live rule statistics.")
                    .raw("</section>");

            h.raw("<section id=\"patients\"><h2>Listed patients</h2>").el("p", "", "Up to " + s.listed().size()
                    + " patients with findings, high-severity first: open one to see its timeline (estradiol against the 20 and 25 pg/mL"
                    + " lines with aromatase-inhibitor exposure and weekly dose shaded, T-scores per site against −1.0 and −2.5, and the"
                    + " dates of DXA, vitamin D and calcium).");
            for (int i = 0; i < s.listed().size(); i++) {
                PatientChart p = s.listed().get(i);
                h.raw("<details class=\"patient\" data-index=\"" + i + "\"><summary>").text(p.patient() + ": " + String.join(", ", p.findings()))
                        .raw("</summary><div class=\"chart tall\" id=\"chart-patient-" + i + "\" role=\"img\" aria-label=\"Timeline of ")
                        .text(p.patient()).raw("; the values are listed below.\"></div>");
                h.raw("<ul class=\"values\">")
                        .el("li", "", "Estradiol (pg/mL): " + join(p.estradiol().stream().map(x -> x.date() + " " + x.comparator()
                                + format(x.value())).toList()))
                        .el("li", "", "T-scores: " + join(p.tScores().stream().map(x -> x.date() + " " + x.site() + " " + format(x.value())).toList()))
                        .el("li", "", "Aromatase inhibitor: " + join(p.aromataseInhibitor().stream().map(x -> x.drug() + " " + x.start() + " to "
                                + (x.end() == null ? "now" : x.end()) + (x.mgPerWeek() == null ? "" : ", " + format(x.mgPerWeek()) + " mg/week")).toList()))
                        .el("li", "", "DXA: " + join(p.dxa().stream().map(Object::toString).toList()))
                        .el("li", "", "25-OH vitamin D: " + join(p.vitaminD().stream().map(Object::toString).toList()))
                        .el("li", "", "Calcium: " + join(p.calcium().stream().map(Object::toString).toList()))
                        .raw("</ul></details>");
            }
            h.raw("</section></main>");
            h.data(PopulationJson.MAPPER.writeValueAsString(chartData(s)));
            return h.end();
        }

        /** The numbers the charts draw: exactly those of the tables. */
        static Map<String, Object> chartData(PopulationSummary s) {
            Map<String, Object> d = new LinkedHashMap<>();
            PopulationSummary.Column base = s.columns().get(0);
            List<String> rules = base.rules().stream().map(r -> r.id() + " " + r.rule()).toList();
            d.put("rules", rules);
            Map<String, List<Double>> bySeverity = new LinkedHashMap<>();
            for (String sev : SEVERITIES) {
                bySeverity.put(sev, base.rules().stream().map(r -> per1000(r.severity().getOrDefault(sev, 0L), base.population())).toList());
            }
            d.put("severity", bySeverity);
            List<Map<String, Object>> settings = new ArrayList<>();
            for (PopulationSummary.Column c : s.columns()) {
                settings.add(Map.of("name", c.name(), "per1000", c.rules().stream().map(PopulationSummary.RuleRow::per1000).toList()));
            }
            d.put("settings", settings);
            d.put("patients", s.listed());
            return d;
        }

        static double per1000(long n, long population) {
            return population == 0 ? 0 : Math.round(n * 10000.0 / population) / 10.0;
        }

        static String format(double v) {
            return String.format(Locale.ROOT, "%.1f", v);
        }

        static String share(long n, long of) {
            return of == 0 ? "0.0 %" : String.format(Locale.ROOT, "%.1f %%", n * 100.0 / of);
        }

        static String describe(PopulationSummary.Column c) {
            List<String> parts = new ArrayList<>();
            c.overrides().forEach((k, v) -> parts.add(k + " = " + v));
            c.off().forEach(r -> parts.add(r + " off"));
            return parts.isEmpty() ? "the deployment's settings" : String.join("; ", parts);
        }

        static String join(List<String> items) {
            return items.isEmpty() ? "none" : String.join(", ", items);
        }
    }
}
