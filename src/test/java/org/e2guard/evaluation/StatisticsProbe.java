package org.e2guard.evaluation;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.e2guard.engine.Finding;
import org.e2guard.platform.db.Jdbc;

import io.micrometer.core.instrument.MeterRegistry;

/** {@link RuleStatistics} with its package-private entry open to the benchmarks. */
public final class StatisticsProbe {
    private final RuleStatistics statistics;

    public StatisticsProbe(Jdbc db, MeterRegistry metrics, Clock clock, RulesConfig rules, Duration flushInterval) {
        this.statistics = new RuleStatistics(db, metrics, clock, rules, flushInterval);
    }

    public void evaluated(String door, List<List<Finding>> patients) {
        statistics.evaluated(door, patients);
    }

    public void flush() {
        statistics.flush();
    }
}
