package org.e2guard.evaluation;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.mapping.output.RuleCounts;
import org.e2guard.engine.RuleMode;
import org.e2guard.engine.RuleModes;
import org.e2guard.engine.Severity;
import org.e2guard.platform.db.Jdbc;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Rule governance statistics (issue 13): findings raised, evaluations, cards shown and CDS feedback
 * outcomes, added to PostgreSQL's daily aggregates by UPSERT and to Prometheus counters. What is
 * recorded is rule, severity, door, mode, outcome and reason codes, and counts: never a patient,
 * card or resource id, value or free text, so the statistics can be shown to anyone who may see
 * how the rules behave.
 *
 * <p>Statistics are best effort: a database failure is logged and the clinical answer still goes
 * out, since a missing count is better than a missing card.
 */
@ApplicationScoped
public class RuleStatistics {
    private static final Logger LOG = Logger.getLogger(RuleStatistics.class);

    /** A finding as the statistics see it: its rule code and severity code only. */
    public record Shown(String rule, String severity) {
    }

    private static final String EVALUATED = """
            INSERT INTO evaluations_daily (day, door, patients, with_high) VALUES (?, ?, ?, ?)
            ON CONFLICT (day, door) DO UPDATE SET patients = evaluations_daily.patients + EXCLUDED.patients,
                with_high = evaluations_daily.with_high + EXCLUDED.with_high""";
    private static final String FOUND = """
            INSERT INTO rule_stats_daily (day, rule, severity, door, mode, findings, cards) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (day, rule, severity, door, mode) DO UPDATE SET
                findings = rule_stats_daily.findings + EXCLUDED.findings, cards = rule_stats_daily.cards + EXCLUDED.cards""";
    private static final String FEEDBACK = """
            INSERT INTO rule_feedback_daily (day, rule, outcome, reason, n) VALUES (?, ?, ?, ?, 1)
            ON CONFLICT (day, rule, outcome, reason) DO UPDATE SET n = rule_feedback_daily.n + EXCLUDED.n""";

    /** Rule, severity, mode: the order rows are upserted in. */
    private static final java.util.Comparator<List<String>> ROW_ORDER = java.util.Comparator
            .comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1)).thenComparing(k -> k.get(2));

    private final Jdbc db;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final RuleModes modes;

    @Inject
    public RuleStatistics(Jdbc db, MeterRegistry metrics, Clock clock, RulesConfig rules) {
        this.db = db;
        this.metrics = metrics;
        this.clock = clock;
        this.modes = rules.modes();
    }

    /** Counters without the daily tables: for the command line and benchmarks, which run without a database. */
    public static RuleStatistics metricsOnly(MeterRegistry metrics, RulesConfig rules) {
        return new RuleStatistics(null, metrics, Clock.systemUTC(), rules);
    }

    /**
     * Patients evaluated through {@code door}, each with the findings that were not turned off:
     * counters per finding, and one transaction adding the input's totals to the daily rows.
     */
    void evaluated(String door, List<List<Finding>> patients) {
        metrics.counter("e2guard.evaluations", "door", door).increment(patients.size());
        long withHigh = 0;
        Map<List<String>, Long> found = new java.util.TreeMap<>(ROW_ORDER);
        for (List<Finding> findings : patients) {
            boolean high = false;
            for (Finding f : findings) {
                String mode = modes.of(f.rule()).code();
                metrics.counter("e2guard.findings", "rule", f.rule().code(), "severity", f.severity().code(), "door", door,
                        "mode", mode).increment();
                found.merge(List.of(f.rule().code(), f.severity().code(), mode), 1L, Long::sum);
                high |= f.severity() == Severity.HIGH;
            }
            withHigh += high ? 1 : 0;
        }
        if (patients.isEmpty()) {
            return;
        }
        LocalDate day = today();
        long evaluated = patients.size();
        long high = withHigh;
        // rows in one lock order (the sorted map) in every transaction: concurrent evaluations wait, never deadlock
        List<Object[]> rows = found.entrySet().stream().map(e -> new Object[] {day, e.getKey().get(0), e.getKey().get(1), door,
                e.getKey().get(2), e.getValue(), 0L}).toList();
        store(() -> db.inTransaction(h -> {
            h.update(EVALUATED, day, door, evaluated, high);
            h.batch(FOUND, rows);
            return null;
        }));
    }

    /** Cards shown through {@code door}: one count per finding a card stands for (only active rules reach a card). */
    public void cardsShown(String door, List<Shown> findings) {
        Map<List<String>, Long> shown = new java.util.TreeMap<>(ROW_ORDER);
        for (Shown s : findings) {
            metrics.counter("e2guard.cards.shown", "rule", s.rule(), "severity", s.severity(), "door", door,
                    "mode", RuleMode.ACTIVE.code()).increment();
            shown.merge(List.of(s.rule(), s.severity(), RuleMode.ACTIVE.code()), 1L, Long::sum);
        }
        LocalDate day = today();
        List<Object[]> rows = shown.entrySet().stream().map(e -> new Object[] {day, e.getKey().get(0), e.getKey().get(1), door,
                e.getKey().get(2), 0L, e.getValue()}).toList();
        store(() -> db.batch(FOUND, rows));
    }

    /**
     * One stored feedback item, inside the caller's transaction so that an item is counted exactly
     * when it is stored.
     *
     * @param rules  the rule codes of the card, or empty when the card is no longer remembered
     * @param reason the override reason code, or null
     */
    public static void feedback(Jdbc.Handle h, Instant at, List<String> rules, String outcome, String reason) {
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        for (String rule : rules.isEmpty() ? List.of("unknown") : rules) {
            h.update(FEEDBACK, day, rule, outcome, reason == null ? "" : reason);
        }
    }

    /** The outcome stratum of the cards shown (beside CDS feedback's accepted and overridden). */
    public static final String CARD_SHOWN = "card-shown";

    private record FindingRow(String rule, String severity, String door, String mode, long findings, long cards) {
    }

    private record FeedbackRow(String rule, String outcome, String reason, long n) {
    }

    /**
     * The statistics of the days {@code from} to {@code to} (inclusive, UTC): findings per rule
     * stratified by severity, door and mode; card events and override reasons as further strata.
     */
    public RuleCounts counts(LocalDate from, LocalDate to) {
        RuleCounts counts = new RuleCounts();
        List<FindingRow> found = new ArrayList<>();
        List<FeedbackRow> feedback = new ArrayList<>();
        db.withConnection(h -> {
            h.one("SELECT coalesce(sum(patients), 0), coalesce(sum(with_high), 0) FROM evaluations_daily"
                    + " WHERE day BETWEEN ? AND ?", rs -> counts.addEvaluated(rs.getLong(1), rs.getLong(2)), from, to);
            found.addAll(h.list("SELECT rule, severity, door, mode, sum(findings), sum(cards) FROM rule_stats_daily"
                    + " WHERE day BETWEEN ? AND ? GROUP BY rule, severity, door, mode ORDER BY rule, severity, door, mode",
                    rs -> new FindingRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                            rs.getLong(6)), from, to));
            feedback.addAll(h.list("SELECT rule, outcome, reason, sum(n) FROM rule_feedback_daily"
                    + " WHERE day BETWEEN ? AND ? GROUP BY rule, outcome, reason ORDER BY rule, outcome, reason",
                    rs -> new FeedbackRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)), from, to));
            return null;
        });
        for (FindingRow r : found) {
            rule(r.rule()).ifPresent(rule -> {
                if (r.findings() > 0) {
                    counts.addFindings(rule, r.findings(), Map.of(RuleCounts.SEVERITY, r.severity(), RuleCounts.DOOR, r.door(),
                            RuleCounts.MODE, r.mode()));
                }
                if (r.cards() > 0) {
                    counts.addStratum(rule, RuleCounts.OUTCOME, CARD_SHOWN, r.cards());
                }
            });
        }
        for (FeedbackRow r : feedback) {
            rule(r.rule()).ifPresent(rule -> {
                counts.addStratum(rule, RuleCounts.OUTCOME, r.outcome(), r.n());
                if (!r.reason().isEmpty()) {
                    counts.addStratum(rule, RuleCounts.OVERRIDE_REASON, r.reason(), r.n());
                }
            });
        }
        return counts;
    }

    /** A stored rule code; feedback of a card no longer remembered is stored as 'unknown' and has no rule. */
    private static Optional<Rule> rule(String code) {
        try {
            return Optional.of(Rule.byCode(code));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private void store(Runnable write) {
        if (db == null) {
            return;
        }
        try {
            write.run();
        } catch (Jdbc.DbException e) {
            LOG.warnf("rule statistics not stored: SQLState %s", e.sqlState());
        }
    }
}
