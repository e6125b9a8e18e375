package org.e2guard.evaluation;

import java.time.Clock;
import java.time.Duration;
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

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Rule governance statistics (issue 13): findings raised, evaluations, cards shown and CDS feedback
 * outcomes, added to PostgreSQL's daily aggregates by UPSERT and to Prometheus counters. What is
 * recorded is rule, severity, door, mode, outcome and reason codes, and counts: never a patient,
 * card or resource id, value or free text, so the statistics can be shown to anyone who may see
 * how the rules behave.
 *
 * <p>Evaluations and cards are added up in memory per day and row and written every
 * {@code e2guard.statistics.flush-interval} (and at shutdown) in one transaction: the daily rows
 * are then updated a few times a minute per pod instead of once per evaluation, whose row locks
 * would otherwise serialise concurrent evaluations. A crash loses at most that interval's counts;
 * the Prometheus counters are counted at once. A report read on this pod flushes first.
 *
 * <p>Statistics are best effort: a database failure is logged and the counts are kept for the next
 * flush, and the clinical answer still goes out, since a missing count is better than a missing card.
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

    /** A row of evaluations_daily. */
    private record DayDoor(LocalDate day, String door) implements Comparable<DayDoor> {
        @Override
        public int compareTo(DayDoor o) {
            int c = day.compareTo(o.day);
            return c != 0 ? c : door.compareTo(o.door);
        }
    }

    /** A row of rule_stats_daily. */
    private record RuleRow(LocalDate day, String rule, String severity, String door, String mode) implements Comparable<RuleRow> {
        private static final java.util.Comparator<RuleRow> ORDER = java.util.Comparator.comparing(RuleRow::day)
                .thenComparing(RuleRow::rule).thenComparing(RuleRow::severity).thenComparing(RuleRow::door)
                .thenComparing(RuleRow::mode);

        @Override
        public int compareTo(RuleRow o) {
            return ORDER.compare(this, o);
        }
    }

    /** Counts not yet written: patients and those with a high finding; findings and cards. */
    private static final class Pending {
        final Map<DayDoor, long[]> evaluations = new java.util.TreeMap<>();
        final Map<RuleRow, long[]> rules = new java.util.TreeMap<>();

        void add(Pending other) {
            other.evaluations.forEach((k, v) -> add(evaluations, k, v[0], v[1]));
            other.rules.forEach((k, v) -> add(rules, k, v[0], v[1]));
        }

        static <K> void add(Map<K, long[]> map, K key, long a, long b) {
            long[] n = map.computeIfAbsent(key, k -> new long[2]);
            n[0] += a;
            n[1] += b;
        }

        boolean isEmpty() {
            return evaluations.isEmpty() && rules.isEmpty();
        }
    }

    private final Jdbc db;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final RuleModes modes;
    private final Duration flushInterval;
    private Pending pending = new Pending();
    private Instant lastFlush;
    /** One flush at a time: a report's flush waits for one under way, so it reads what was counted before it. */
    private final java.util.concurrent.locks.ReentrantLock writing = new java.util.concurrent.locks.ReentrantLock();

    @Inject
    public RuleStatistics(Jdbc db, MeterRegistry metrics, Clock clock, RulesConfig rules,
                          @ConfigProperty(name = "e2guard.statistics.flush-interval", defaultValue = "5s") Duration flushInterval) {
        this.db = db;
        this.metrics = metrics;
        this.clock = clock;
        this.modes = rules.modes();
        this.flushInterval = flushInterval;
        this.lastFlush = clock.instant();
    }

    /** Counters without the daily tables: for the command line and benchmarks, which run without a database. */
    public static RuleStatistics metricsOnly(MeterRegistry metrics, RulesConfig rules) {
        return new RuleStatistics(null, metrics, Clock.systemUTC(), rules, Duration.ZERO);
    }

    /**
     * Patients evaluated through {@code door}, each with the findings that were not turned off:
     * counters per finding, and the input's totals added to the day's pending rows.
     */
    void evaluated(String door, List<List<Finding>> patients) {
        metrics.counter("e2guard.evaluations", "door", door).increment(patients.size());
        if (patients.isEmpty()) {
            return;
        }
        Pending add = new Pending();
        LocalDate day = today();
        long withHigh = 0;
        for (List<Finding> findings : patients) {
            boolean high = false;
            for (Finding f : findings) {
                String mode = modes.of(f.rule()).code();
                metrics.counter("e2guard.findings", "rule", f.rule().code(), "severity", f.severity().code(), "door", door,
                        "mode", mode).increment();
                Pending.add(add.rules, new RuleRow(day, f.rule().code(), f.severity().code(), door, mode), 1, 0);
                high |= f.severity() == Severity.HIGH;
            }
            withHigh += high ? 1 : 0;
        }
        Pending.add(add.evaluations, new DayDoor(day, door), patients.size(), withHigh);
        keep(add);
    }

    /** Cards shown through {@code door}: one count per finding a card stands for (only active rules reach a card). */
    public void cardsShown(String door, List<Shown> findings) {
        Pending add = new Pending();
        LocalDate day = today();
        for (Shown s : findings) {
            metrics.counter("e2guard.cards.shown", "rule", s.rule(), "severity", s.severity(), "door", door,
                    "mode", RuleMode.ACTIVE.code()).increment();
            Pending.add(add.rules, new RuleRow(day, s.rule(), s.severity(), door, RuleMode.ACTIVE.code()), 0, 1);
        }
        keep(add);
    }

    private void keep(Pending add) {
        if (db == null || add.isEmpty()) {
            return;
        }
        synchronized (this) {
            pending.add(add);
        }
        if (flushInterval.isZero()) {
            flush();
        }
    }

    /** Checked every second; writes when the flush interval has passed on the service's clock. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void flushIfDue() {
        boolean due;
        synchronized (this) {
            due = !clock.instant().isBefore(lastFlush.plus(flushInterval));
        }
        if (due) {
            flush();
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        try {
            flush();
        } catch (RuntimeException failure) {
            LOG.warnf("rule statistics of the last seconds not stored at shutdown: %s", failure.getClass().getSimpleName());
        }
    }

    /**
     * Writes the pending counts in one transaction, rows in one lock order (day, door; then day,
     * rule, severity, door, mode) so that flushes of several pods wait for each other, never
     * deadlock. On failure the counts go back to pending for the next flush.
     */
    public void flush() {
        if (db == null) {
            return;
        }
        writing.lock();
        try {
            Pending out;
            synchronized (this) {
                out = pending;
                pending = new Pending();
                lastFlush = clock.instant();
            }
            if (!out.isEmpty()) {
                write(out);
            }
        } finally {
            writing.unlock();
        }
    }

    private void write(Pending out) {
        List<Object[]> evaluations = out.evaluations.entrySet().stream().map(e -> new Object[] {e.getKey().day(), e.getKey().door(),
                e.getValue()[0], e.getValue()[1]}).toList();
        List<Object[]> rules = out.rules.entrySet().stream().map(e -> new Object[] {e.getKey().day(), e.getKey().rule(),
                e.getKey().severity(), e.getKey().door(), e.getKey().mode(), e.getValue()[0], e.getValue()[1]}).toList();
        try {
            db.inTransaction(h -> {
                h.batch(EVALUATED, evaluations);
                h.batch(FOUND, rules);
                return null;
            });
        } catch (Jdbc.DbException e) {
            LOG.warnf("rule statistics not stored yet (kept for the next flush): SQLState %s", e.sqlState());
            synchronized (this) {
                pending.add(out);
            }
        }
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
        flush();
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

}
