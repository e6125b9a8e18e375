package org.e2guard.bench;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.e2guard.engine.Engine;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.engine.Severity;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.evaluation.StatisticsProbe;
import org.e2guard.platform.db.TestDatabase;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Statistics writes per second with several threads evaluating at once, against the embedded
 * PostgreSQL: written at once (one transaction per evaluation, {@code flush-interval=0}) and added up
 * in memory with the default flush every 5 s. Usage: {@code RuleStatisticsBenchmark [threads] [seconds]}.
 */
public final class RuleStatisticsBenchmark {
    private RuleStatisticsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        RulesConfig rules = new SmallRyeConfigBuilder().withMapping(RulesConfig.class)
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withConverter(Duration.class, 200, new DurationConverter()).build().getConfigMapping(RulesConfig.class);
        // case c08's two findings, as in docs/PERFORMANCE.md's earlier measurement
        List<List<Finding>> patient = List.of(List.of(finding(Rule.M3, Severity.MODERATE), finding(Rule.B1, Severity.LOW)));
        try (TestDatabase database = TestDatabase.create()) {
            for (Duration interval : List.of(Duration.ZERO, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(5))) {
                StatisticsProbe stats = new StatisticsProbe(database.jdbc(), new SimpleMeterRegistry(), Clock.systemUTC(), rules,
                        interval);
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                List<Future<Long>> counts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    counts.add(pool.submit(() -> {
                        long n = 0;
                        while (System.nanoTime() < end) {
                            stats.evaluated("cds", patient);
                            n++;
                        }
                        return n;
                    }));
                }
                long total = 0;
                for (Future<Long> f : counts) {
                    total += f.get();
                }
                pool.shutdown();
                long t0 = System.nanoTime();
                stats.flush();
                System.out.printf("flush-interval %s, %d threads: %,d evaluations/s (final flush %d ms)%n", interval, threads,
                        total / seconds, (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }

    private static Finding finding(Rule rule, Severity severity) {
        return new Finding(rule, severity, "Patient/p1", Engine.RULESET_VERSION, "a finding", List.of(), null, null, List.of(), List.of(),
                List.of(), List.of(), List.of());
    }
}
