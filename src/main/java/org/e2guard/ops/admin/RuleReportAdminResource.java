package org.e2guard.ops.admin;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Date;

import org.e2guard.evaluation.RuleStatistics;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirResponses;
import org.e2guard.mapping.output.RuleCounts;
import org.e2guard.mapping.output.RuleMeasureReport;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hl7.fhir.r4.model.MeasureReport;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

/**
 * The live rule statistics as a FHIR MeasureReport (API key required, like everything under
 * {@code /admin/}): one group per rule with findings per 1,000 patients evaluated, stratified by
 * severity, door and mode, with the cards shown, CDS feedback outcomes and override reasons as
 * further strata. Counts only: the statistics hold no patient identifier.
 */
@Path("/admin/rules/report")
public class RuleReportAdminResource {
    /** A default period: the 14 days the firing-rate alert compares against. */
    static final int DEFAULT_DAYS = 14;
    static final int MAX_DAYS = 366;

    @Inject
    RuleStatistics statistics;
    @Inject
    FhirResponses responses;
    @Inject
    Clock clock;

    /** The days a report covers, inclusive, UTC. */
    public record Period(LocalDate from, LocalDate to) {
        public Date start() {
            return Date.from(from.atStartOfDay(ZoneOffset.UTC).toInstant());
        }

        public Date end() {
            return Date.from(to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusMillis(1));
        }
    }

    @GET
    @Operation(summary = "Rule firing and override statistics as a MeasureReport (from, to: dates YYYY-MM-DD, inclusive)")
    public Response report(@QueryParam("from") String from, @QueryParam("to") String to,
                           @QueryParam("_format") String format, @HeaderParam("Accept") String accept) {
        FhirFormat out = FhirFormat.forResponse(format, accept, FhirFormat.JSON);
        try {
            Period p = period(from, to, clock);
            return responses.ok(report(statistics, p), out, false);
        } catch (FhirError e) {
            return responses.error(e, out);
        }
    }

    static MeasureReport report(RuleStatistics statistics, Period p) {
        RuleCounts counts = statistics.counts(p.from(), p.to());
        MeasureReport mr = RuleMeasureReport.build(counts, RuleMeasureReport.LIVE, p.start(), p.end(),
                RuleMeasureReport.PER_1000_EVALUATED);
        mr.setId("rule-statistics-" + p.from() + "-" + p.to());
        return mr;
    }

    /** Parses and checks the period: dates, from not after to, at most a year; the last 14 days by default. */
    public static Period period(String from, String to, Clock clock) {
        LocalDate end = to == null || to.isBlank() ? LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC) : date(to, "to");
        LocalDate start = from == null || from.isBlank() ? end.minusDays(DEFAULT_DAYS - 1) : date(from, "from");
        if (start.isAfter(end)) {
            throw FhirError.invalid("from (" + start + ") must not be after to (" + end + ")", "from");
        }
        if (ChronoUnit.DAYS.between(start, end) >= MAX_DAYS) {
            throw FhirError.invalid("the period may span at most " + MAX_DAYS + " days", "from");
        }
        return new Period(start, end);
    }

    private static LocalDate date(String value, String name) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw FhirError.invalid(name + " must be a date YYYY-MM-DD", name);
        }
    }
}
