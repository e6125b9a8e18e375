package org.e2guard.population;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.e2guard.engine.Rule;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.fhir.FhirSupport;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.mapping.output.RuleMeasureReport;
import org.e2guard.mapping.terminology.CodeLists;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.hl7.fhir.r4.model.MeasureReport;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The dry run from the command line, without the HTTP service: a local directory of NDJSON in,
 * the same outputs as {@code $evaluate-population} out. Rule settings come from the environment
 * exactly as for the service ({@code E2GUARD_RULES_*}). Also the worker of the Kubernetes indexed
 * Job ({@code --shard i/n}: only the patients that hash to part i of n) and its final step
 * ({@code merge}: the parts' MeasureReports added up exactly).
 *
 * <pre>
 * run   --input DIR --out DIR [--as-of 2026-07-01] [--shard I/N] [--setting "name;key=value;off=M3"]...
 * merge --out DIR PART_DIR...
 * </pre>
 */
public final class PopulationCli {
    private PopulationCli() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0 || !List.of("run", "merge", "show").contains(args[0])) {
            usage("first argument: run, merge or show");
        }
        Map<String, List<String>> opts = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                if (i + 1 >= args.length) {
                    usage(args[i] + " needs a value");
                }
                opts.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[++i]);
            } else {
                rest.add(args[i]);
            }
        }
        Path out = args[0].equals("show") ? null : Path.of(one(opts, "out"));
        if (args[0].equals("merge")) {
            merge(out, rest.stream().map(Path::of).toList());
        } else if (args[0].equals("show")) {
            for (String file : rest) {
                show(Path.of(file));
            }
        } else {
            run(Path.of(one(opts, "input")), out, opts);
        }
    }

    private static void run(Path input, Path out, Map<String, List<String>> opts) throws IOException {
        FhirContext ctx = FhirSupport.newContext();
        // the rule settings as the service reads them: environment and system properties over the defaults
        RulesConfig rules = new SmallRyeConfigBuilder().addDefaultSources().withMapping(RulesConfig.class).build()
                .getConfigMapping(RulesConfig.class);
        EvaluationService evaluation = new EvaluationService(rules,
                new Terminology(new CodeLists(ValueSetLoader.load(ctx.newJsonParser(), System.getenv("E2GUARD_TERMINOLOGY_EXTRA_VALUE_SETS") == null ? null
                        : Path.of(System.getenv("E2GUARD_TERMINOLOGY_EXTRA_VALUE_SETS"))))),
                new SimpleMeterRegistry());
        long bucket = Long.parseLong(opts.getOrDefault("bucket-mb", List.of("16")).get(0)) << 20;
        PopulationRun run = new PopulationRun(ctx, evaluation, rules, new FindingResources("cli"), bucket, 50, Clock.systemUTC());
        List<PopulationRun.Input> inputs;
        try (Stream<Path> files = Files.list(input)) {
            inputs = files.filter(f -> f.getFileName().toString().endsWith(".ndjson")).sorted()
                    .map(f -> new PopulationRun.Input(f.getFileName().toString(), f)).toList();
        }
        if (inputs.isEmpty()) {
            usage("no .ndjson file in " + input);
        }
        Instant asOf = opts.containsKey("as-of") ? org.e2guard.mapping.record.FhirTime.instant(
                new org.hl7.fhir.r4.model.DateTimeType(one(opts, "as-of"))) : Instant.now();
        PopulationRun.Shard shard = PopulationRun.Shard.ALL;
        if (opts.containsKey("shard")) {
            String[] s = one(opts, "shard").split("/");
            shard = new PopulationRun.Shard(Integer.parseInt(s[0]), Integer.parseInt(s[1]));
        }
        List<Setting> settings = new ArrayList<>();
        for (String spec : opts.getOrDefault("setting", List.of())) {
            settings.add(setting(spec));
        }
        long t0 = System.nanoTime();
        PopulationSummary summary = run.run(inputs, asOf, settings, shard, out.resolve("work"), out, new PopulationRun.Progress() {
            @Override
            public void update(String text) {
                System.err.println(text);
            }

            @Override
            public boolean cancelled() {
                return false;
            }
        });
        PopulationJson.MAPPER.writeValue(out.resolve(PopulationJobs.SUMMARY).toFile(), summary);
        Files.deleteIfExists(out.resolve("work"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        PopulationSummary.Column base = summary.columns().get(0);
        System.out.printf("patients evaluated: %d, on an aromatase inhibitor: %d, with a high finding: %d%n",
                base.evaluated(), base.population(), base.withHigh());
        for (PopulationSummary.RuleRow r : base.rules()) {
            if (r.patients() > 0) {
                System.out.printf("  %-28s %6d  %8.1f per 1,000%n", r.rule(), r.patients(), r.per1000());
            }
        }
        long peak = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf("resources read: %d in %.1f s (%.1f patients/s), %d bucket(s), peak heap %d MB; outputs in %s%n",
                summary.resourcesRead(), seconds, base.evaluated() / seconds, summary.buckets(), peak >> 20, out.toAbsolutePath());
    }

    /** {@code "name;key=value;key=value;off=M3"}. */
    static Setting setting(String spec) {
        String[] parts = spec.split(";");
        Map<String, String> overrides = new LinkedHashMap<>();
        Set<Rule> off = new LinkedHashSet<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length != 2) {
                usage("setting part '" + parts[i] + "' is not key=value");
            }
            if (kv[0].trim().equals("off")) {
                off.add(Rule.byCode(kv[1].trim()));
            } else {
                overrides.put(kv[0].trim(), kv[1].trim());
            }
        }
        return new Setting(parts[0].trim(), overrides, off);
    }

    /** Adds up the MeasureReports of the parts' directories, setting by setting, into {@code out/MeasureReport.ndjson}. */
    static void merge(Path out, List<Path> parts) throws IOException {
        FhirContext ctx = FhirSupport.newContext();
        Map<String, List<MeasureReport>> bySetting = new LinkedHashMap<>();
        for (Path part : parts) {
            for (String line : Files.readAllLines(part.resolve("MeasureReport.ndjson"), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    MeasureReport mr = ctx.newJsonParser().parseResource(MeasureReport.class, line);
                    bySetting.computeIfAbsent(RuleMeasureReport.setting(mr), k -> new ArrayList<>()).add(mr);
                }
            }
        }
        Files.createDirectories(out);
        try (Writer w = Files.newBufferedWriter(out.resolve("MeasureReport.ndjson"), StandardCharsets.UTF_8)) {
            for (List<MeasureReport> reports : bySetting.values()) {
                if (reports.size() != parts.size()) {
                    throw new IllegalArgumentException("setting " + RuleMeasureReport.setting(reports.get(0)) + " is in "
                            + reports.size() + " of " + parts.size() + " parts");
                }
                w.write(ctx.newJsonParser().encodeResourceToString(RuleMeasureReport.merge(reports)));
                w.write('\n');
            }
        }
        System.out.printf("merged %d part(s), %d setting(s) into %s%n", parts.size(), bySetting.size(),
                out.resolve("MeasureReport.ndjson").toAbsolutePath());
    }

    /** Prints the counts of each MeasureReport of an NDJSON file, one block per setting. */
    static void show(Path file) throws IOException {
        FhirContext ctx = FhirSupport.newContext();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            MeasureReport mr = ctx.newJsonParser().parseResource(MeasureReport.class, line);
            org.e2guard.mapping.output.RuleCounts c = RuleMeasureReport.counts(mr);
            System.out.printf("%s: %d evaluated, %d on an aromatase inhibitor, %d with a high finding%n",
                    RuleMeasureReport.setting(mr), c.evaluated(), c.population(), c.withHigh());
            for (Rule r : Rule.values()) {
                long n = c.rule(r).patients();
                if (n > 0) {
                    System.out.printf("  %-28s %6d  %8.1f per 1,000  %s%n", r.code(), n, c.per1000(n),
                            c.rule(r).strata().getOrDefault(org.e2guard.mapping.output.RuleCounts.SEVERITY, Map.of()));
                }
            }
        }
    }

    private static String one(Map<String, List<String>> opts, String name) {
        List<String> v = opts.get(name);
        if (v == null || v.size() != 1) {
            usage("--" + name + " is needed once");
        }
        return v.get(0);
    }

    private static void usage(String problem) {
        System.err.println(problem + "\nusage: run --input DIR --out DIR [--as-of DATE] [--shard I/N] [--bucket-mb 16]"
                + " [--setting 'name;key=value;off=RULE']...\n       merge --out DIR PART_DIR...\n       show MEASUREREPORT_NDJSON...");
        System.exit(2);
    }
}
