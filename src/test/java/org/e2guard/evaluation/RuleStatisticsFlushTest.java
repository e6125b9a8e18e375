package org.e2guard.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.e2guard.engine.Engine;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.engine.Severity;
import org.e2guard.platform.FakeClock;
import org.e2guard.platform.db.Jdbc;
import org.e2guard.platform.db.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The rule statistics added up in memory and written every few seconds, on a stopped clock against
 * real PostgreSQL (a database of its own): nothing is written before the interval has passed on
 * the clock, everything after it in one flush, each count under the day it happened on, and a
 * failed write keeps the counts for the next flush.
 */
class RuleStatisticsFlushTest {
    static final Duration INTERVAL = Duration.ofSeconds(5);
    static TestDatabase database;
    static Jdbc db;
    static RulesConfig rules;

    FakeClock clock;
    SimpleMeterRegistry metrics;
    RuleStatistics statistics;

    @BeforeAll
    static void createDatabase() {
        database = TestDatabase.create();
        db = database.jdbc();
        rules = new SmallRyeConfigBuilder().withMapping(RulesConfig.class)
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withConverter(Duration.class, 200, new DurationConverter()).build().getConfigMapping(RulesConfig.class);
    }

    @AfterAll
    static void dropDatabase() {
        database.close();
    }

    @BeforeEach
    void empty() {
        db.update("DELETE FROM evaluations_daily");
        db.update("DELETE FROM rule_stats_daily");
        clock = FakeClock.at(Instant.parse("2026-07-01T23:59:50Z"));
        metrics = new SimpleMeterRegistry();
        statistics = new RuleStatistics(db, metrics, clock, rules, INTERVAL);
    }

    @Test
    void countsAreWrittenOnceTheIntervalHasPassedNotBefore() {
        statistics.evaluated("cds", List.of(List.of(finding(Rule.E1, Severity.HIGH)), List.of()));
        statistics.evaluated("cds", List.of(List.of(finding(Rule.E1, Severity.HIGH), finding(Rule.M3, Severity.LOW))));
        statistics.cardsShown("cds", List.of(new RuleStatistics.Shown(Rule.E1.code(), Severity.HIGH.code())));
        assertEquals(3.0, metrics.counter("e2guard.evaluations", "door", "cds").count(), "the counters count at once");

        clock.advance(INTERVAL.minusMillis(1));
        statistics.flushIfDue();
        assertEquals(0, patients("2026-07-01"), "the last instant before the interval: nothing written yet");

        clock.advance(Duration.ofMillis(1));
        statistics.flushIfDue();
        assertEquals(3, patients("2026-07-01"));
        assertEquals(2L, (long) db.<Long>one("SELECT with_high FROM evaluations_daily WHERE door = 'cds'", rs -> rs.getLong(1)));
        assertEquals(2, findings(Rule.E1, "2026-07-01"));
        assertEquals(1, findings(Rule.M3, "2026-07-01"));
        assertEquals(1L, (long) db.<Long>one("SELECT cards FROM rule_stats_daily WHERE rule = ?", rs -> rs.getLong(1), Rule.E1.code()));

        statistics.flushIfDue();
        assertEquals(3, patients("2026-07-01"), "a flush writes what came since the last one, once");
    }

    @Test
    void aCountGoesUnderTheDayItHappenedOnNotTheDayItIsWritten() {
        statistics.evaluated("$evaluate", List.of(List.of(finding(Rule.E1, Severity.MODERATE))));
        clock.advance(Duration.ofSeconds(20)); // past midnight UTC
        statistics.evaluated("$evaluate", List.of(List.of(finding(Rule.E1, Severity.MODERATE)), List.of()));
        statistics.flush();
        assertEquals(1, patients("2026-07-01"));
        assertEquals(2, patients("2026-07-02"));
        assertEquals(1, findings(Rule.E1, "2026-07-01"));
        assertEquals(1, findings(Rule.E1, "2026-07-02"));
    }

    @Test
    void aReportReadsWhatThisPodCountedSoFar() {
        statistics.evaluated("ehr", List.of(List.of(finding(Rule.E1, Severity.HIGH))));
        assertEquals(1, statistics.counts(LocalDate.parse("2026-07-01"), LocalDate.parse("2026-07-01")).evaluated());
    }

    @Test
    void aFailedWriteKeepsTheCountsForTheNextFlush() {
        statistics.evaluated("cds", List.of(List.of(finding(Rule.E1, Severity.HIGH))));
        // the table renamed away: the write fails as it would with the database unreachable
        db.update("ALTER TABLE evaluations_daily RENAME TO evaluations_daily_away");
        try {
            statistics.flush();
        } finally {
            db.update("ALTER TABLE evaluations_daily_away RENAME TO evaluations_daily");
        }
        assertEquals(0, patients("2026-07-01"));
        statistics.evaluated("cds", List.of(List.of()));
        statistics.flush();
        assertEquals(2, patients("2026-07-01"));
        assertEquals(1, findings(Rule.E1, "2026-07-01"), "the kept findings, written once");
    }

    private static long patients(String day) {
        return db.one("SELECT coalesce(sum(patients), 0) FROM evaluations_daily WHERE day = ?", rs -> rs.getLong(1),
                LocalDate.parse(day));
    }

    private static long findings(Rule rule, String day) {
        return db.one("SELECT coalesce(sum(findings), 0) FROM rule_stats_daily WHERE rule = ? AND day = ?",
                rs -> rs.getLong(1), rule.code(), LocalDate.parse(day));
    }

    private static Finding finding(Rule rule, Severity severity) {
        return new Finding(rule, severity, "Patient/p1", Engine.RULESET_VERSION, "a finding", List.of(), null, null, List.of(), List.of(),
                List.of(), List.of(), List.of());
    }
}
