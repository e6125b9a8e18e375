package org.e2guard.population;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a finished dry run tells its report: the counts under every setting (the same numbers as
 * the MeasureReports), what was read, and the patients listed for review. Written as
 * {@code summary.json} beside the NDJSON outputs.
 *
 * @param columns  the baseline first, then each what-if setting in the order requested
 * @param skipped  resources of types the rules do not read, per type
 * @param listed   patients with a high-severity finding (then others with findings), up to the configured number
 */
public record PopulationSummary(Instant asOf, Instant started, Instant finished, long resourcesRead,
                                Map<String, Long> skipped, long malformed, long buckets, List<Column> columns,
                                List<PatientChart> listed) {

    /** One setting's numbers: per rule code, patients with a finding in total and per severity. */
    public record Column(String name, Map<String, String> overrides, List<String> off, long evaluated, long population,
                         long withHigh, List<RuleRow> rules) {
    }

    public record RuleRow(String rule, String id, String title, long patients, double per1000, Map<String, Long> severity) {
    }
}
