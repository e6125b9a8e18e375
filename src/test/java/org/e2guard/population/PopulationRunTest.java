package org.e2guard.population;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.e2guard.engine.Rule;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.mapping.output.RuleCounts;
import org.e2guard.mapping.output.RuleMeasureReport;
import org.e2guard.mapping.terminology.CodeLists;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.hl7.fhir.r4.model.MeasureReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The dry run without HTTP: buckets do not change the counts, shards merge exactly, what-if
 * settings change what they should and only that, and bad lines are reported, not fatal.
 */
class PopulationRunTest {
    static final Instant AS_OF = Instant.parse("2026-07-01T00:00:00Z");
    static RulesConfig rules;
    static EvaluationService evaluation;
    @TempDir
    static Path dir;
    static List<PopulationRun.Input> inputs;

    @BeforeAll
    static void population() throws IOException {
        rules = new SmallRyeConfigBuilder().withMapping(RulesConfig.class).build().getConfigMapping(RulesConfig.class);
        evaluation = new EvaluationService(rules, new Terminology(new CodeLists(
                ValueSetLoader.load(TestPopulation.CTX.newJsonParser(), null))), new SimpleMeterRegistry());
        TestPopulation.write(dir.resolve("in"), 60, 11);
        try (Stream<Path> files = Files.list(dir.resolve("in"))) {
            inputs = files.sorted().map(f -> new PopulationRun.Input(f.getFileName().toString(), f)).toList();
        }
    }

    static PopulationRun run(long bucketBytes) {
        return new PopulationRun(TestPopulation.CTX, evaluation, rules, new FindingResources("test"), bucketBytes, 10,
                Clock.systemUTC());
    }

    static List<MeasureReport> reports(Path out) throws IOException {
        List<MeasureReport> list = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("MeasureReport.ndjson"), StandardCharsets.UTF_8)) {
            list.add(TestPopulation.CTX.newJsonParser().parseResource(MeasureReport.class, line));
        }
        return list;
    }

    static long row(PopulationSummary.Column c, Rule r) {
        return c.rules().stream().filter(x -> x.rule().equals(r.code())).findFirst().orElseThrow().patients();
    }

    static String json(MeasureReport mr) {
        return TestPopulation.CTX.newJsonParser().encodeResourceToString(mr);
    }

    @Test
    void manyBucketsCountTheSameAsOne() throws IOException {
        PopulationSummary one = run(1L << 30).run(inputs, AS_OF, List.of(), PopulationRun.Shard.ALL, dir.resolve("w1"),
                dir.resolve("o1"), PopulationRun.Progress.NONE);
        PopulationSummary many = run(20_000).run(inputs, AS_OF, List.of(), PopulationRun.Shard.ALL, dir.resolve("w2"),
                dir.resolve("o2"), PopulationRun.Progress.NONE);
        assertEquals(1, one.buckets());
        assertTrue(many.buckets() > 10, "the input is split into many buckets: " + many.buckets());
        assertEquals(61, one.columns().get(0).evaluated());
        assertEquals(60, one.columns().get(0).population(), "the patient without an aromatase inhibitor is outside");
        assertEquals(one.columns(), many.columns());
        assertEquals(json(reports(dir.resolve("o1")).get(0)), json(reports(dir.resolve("o2")).get(0)));
        assertEquals(Map.of("Encounter", 1L), one.skipped());
        try (Stream<Path> left = Files.list(dir.resolve("w2"))) {
            assertEquals(List.of(), left.toList(), "buckets are deleted once evaluated");
        }
        long issues = Files.readAllLines(dir.resolve("o1").resolve("DetectedIssue.ndjson")).size();
        assertEquals(one.columns().get(0).rules().stream().mapToLong(PopulationSummary.RuleRow::patients).sum(), issues);
    }

    @Test
    void shardsMergeExactly() throws IOException {
        List<Setting> settings = List.of(new Setting("E1 < 25", Map.of("estradiol.suppressed-below", "25"), Set.of()));
        run(50_000).run(inputs, AS_OF, settings, PopulationRun.Shard.ALL, dir.resolve("wa"), dir.resolve("all"),
                PopulationRun.Progress.NONE);
        List<List<MeasureReport>> parts = new ArrayList<>();
        long evaluated = 0;
        for (int i = 0; i < 3; i++) {
            PopulationSummary s = run(50_000).run(inputs, AS_OF, settings, new PopulationRun.Shard(i, 3),
                    dir.resolve("ws" + i), dir.resolve("part" + i), PopulationRun.Progress.NONE);
            evaluated += s.columns().get(0).evaluated();
            assertTrue(s.columns().get(0).evaluated() < 61, "a shard holds part of the population");
            parts.add(reports(dir.resolve("part" + i)));
        }
        assertEquals(61, evaluated, "every patient is in exactly one shard");
        List<MeasureReport> whole = reports(dir.resolve("all"));
        for (int setting = 0; setting < 2; setting++) {
            int s = setting;
            MeasureReport merged = RuleMeasureReport.merge(parts.stream().map(p -> p.get(s)).toList());
            assertEquals(json(whole.get(s)), json(merged), "merged shards equal the whole run, setting " + s);
        }
    }

    @Test
    void mergeAddsCountsAndRecomputesRates() {
        // two halves with different rates: the merged rate is the pooled one, not the mean of the rates
        RuleCounts a = new RuleCounts();
        a.add(List.of(), true);
        a.add(List.of(), true);
        a.add(List.of(), true);
        RuleCounts b = new RuleCounts();
        java.util.Date at = java.util.Date.from(AS_OF);
        MeasureReport ma = RuleMeasureReport.build(a, "baseline", at, at);
        MeasureReport mb = RuleMeasureReport.build(b.add(List.of(), false), "baseline", at, at);
        MeasureReport merged = RuleMeasureReport.merge(List.of(ma, mb));
        RuleCounts c = RuleMeasureReport.counts(merged);
        assertEquals(4, c.evaluated());
        assertEquals(3, c.population());
        assertThrows(IllegalArgumentException.class, () -> RuleMeasureReport.merge(List.of(ma,
                RuleMeasureReport.build(b, "other", at, at))), "different settings do not merge");
    }

    @Test
    void whatIfSettingsChangeWhatTheySay() throws IOException {
        List<Setting> settings = List.of(
                new Setting("E1 < 25", Map.of("e2guard.rules.estradiol.suppressed-below", "25",
                        "estradiol.borderline-below", "30"), Set.of()),
                new Setting("D1 off", Map.of(), Set.of(Rule.D1)));
        PopulationSummary s = run(1L << 30).run(inputs, AS_OF, settings, PopulationRun.Shard.ALL, dir.resolve("w3"),
                dir.resolve("o3"), PopulationRun.Progress.NONE);
        PopulationSummary.Column base = s.columns().get(0);
        PopulationSummary.Column e1 = s.columns().get(1);
        PopulationSummary.Column m3 = s.columns().get(2);
        assertTrue(row(base, Rule.D1) > 0, "D1 fires in the baseline");
        assertEquals(0, row(m3, Rule.D1));
        for (Rule r : Rule.values()) {
            if (r != Rule.D1) {
                assertEquals(row(base, r), row(m3, r), "turning D1 off leaves " + r + " alone");
            }
        }
        assertTrue(row(e1, Rule.E1) > row(base, Rule.E1), "a higher E1 threshold catches more: " + row(base, Rule.E1)
                + " -> " + row(e1, Rule.E1));
        assertEquals(3, reports(dir.resolve("o3")).size());
        assertEquals("D1 off", RuleMeasureReport.setting(reports(dir.resolve("o3")).get(2)));
    }

    @Test
    void unknownSettingsAndBadValuesAreRefusedBeforeAnyWork() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> run(1).engines(List.of(new Setting("x", Map.of("estradiol.nonsense", "1"), Set.of()))));
        assertTrue(unknown.getMessage().contains("estradiol.suppressed-below"), "lists the known keys: " + unknown.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> run(1).engines(List.of(new Setting("x", Map.of("monitoring.dxa-overdue-months", "twelve"), Set.of()))));
        assertTrue(bad.getMessage().contains("whole number"), bad.getMessage());
    }

    @Test
    void badLinesAreReportedAndTheRestIsEvaluated() throws IOException {
        Path in = dir.resolve("bad");
        Files.createDirectories(in);
        Files.copy(dir.resolve("in").resolve("Patient.ndjson"), in.resolve("Patient.ndjson"));
        Files.copy(dir.resolve("in").resolve("MedicationStatement.ndjson"), in.resolve("MedicationStatement.ndjson"));
        Files.writeString(in.resolve("Observation.ndjson"), "{not json\n[1,2]\n{\"id\":\"x\"}\n"
                + "{\"resourceType\":\"Observation\",\"status\":\"nonsense-status\",\"subject\":{\"reference\":\"Patient/bench-1\"}}\n");
        List<PopulationRun.Input> bad;
        try (Stream<Path> files = Files.list(in)) {
            bad = files.sorted().map(f -> new PopulationRun.Input(f.getFileName().toString(), f)).toList();
        }
        PopulationSummary s = run(1L << 30).run(bad, AS_OF, List.of(), PopulationRun.Shard.ALL, dir.resolve("w4"),
                dir.resolve("o4"), PopulationRun.Progress.NONE);
        assertEquals(4, s.malformed());
        assertEquals(61, s.columns().get(0).evaluated());
        List<String> errors = Files.readAllLines(dir.resolve("o4").resolve("OperationOutcome.ndjson"));
        assertEquals(4, errors.size());
        assertTrue(errors.get(0).contains("Observation.ndjson line 1"), errors.get(0));
    }
}
