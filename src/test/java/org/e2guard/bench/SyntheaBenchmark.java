package org.e2guard.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.e2guard.evaluation.EvaluationService;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.fhir.BundleEncoder;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirInput;
import org.e2guard.fhir.FhirSupport;
import org.e2guard.mapping.output.EvaluationBundle;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.mapping.record.SelectiveBundleReader;
import org.e2guard.mapping.terminology.CodeLists;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.hl7.fhir.r4.model.Bundle;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * {@code $evaluate} in-process over a directory of Synthea patient Bundles, beside HAPI's
 * parse-only time for the same files, in one run: every file is parsed by HAPI, then evaluated
 * the way the endpoint does it (selective read, rules, streamed answer), alternately, so that both
 * see the same machine load. Run with {@code bench/synthea.sh}.
 *
 * <p>Modes: {@code compare DIR [rounds]} (the comparison), {@code evaluate FILE} and
 * {@code parse FILE} (one file once, for running the largest bundle under a small {@code -Xmx}).
 */
public final class SyntheaBenchmark {
    public static void main(String[] args) throws IOException {
        FhirContext ctx = FhirSupport.newContext();
        Evaluator evaluator = new Evaluator(ctx);
        switch (args[0]) {
            case "evaluate" -> {
                // streamed from the file as the endpoint streams the request body: the heap holds what is read, not the body
                Path file = Path.of(args[1]);
                try (InputStream body = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                    evaluator.evaluate(body, OutputStream.nullOutputStream());
                }
                long heapPeak = ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                System.out.printf("evaluated %s (%.1f MB), streamed, under max heap %.0f MB: peak heap used %.0f MB"
                        + " (sum of pools' peaks, garbage included); peak RSS %s%n", file.getFileName(),
                        Files.size(file) / 1e6, Runtime.getRuntime().maxMemory() / 1e6, heapPeak / 1e6, peakRss());
            }
            case "parse" -> {
                byte[] body = Files.readAllBytes(Path.of(args[1]));
                parseOnly(ctx, body);
                System.out.printf("HAPI parsed %s (%.1f MB) under max heap %.0f MB%n", Path.of(args[1]).getFileName(),
                        body.length / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
            }
            default -> compare(ctx, evaluator, Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 2);
        }
    }

    private static void compare(FhirContext ctx, Evaluator evaluator, Path dir, int rounds) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        long bytes = 0;
        long resources = 0;
        long largest = 0;
        for (Path f : files) {
            byte[] body = Files.readAllBytes(f);
            bytes += body.length;
            largest = Math.max(largest, body.length);
            resources += parseOnly(ctx, body); // also the warm-up of HAPI's parser
            evaluator.evaluate(body, OutputStream.nullOutputStream()); // and of the endpoint's path
        }
        long[] parse = new long[rounds];
        long[] evaluate = new long[rounds];
        long answerBytes = 0;
        for (int r = 0; r < rounds; r++) {
            answerBytes = 0;
            for (Path f : files) {
                byte[] body = Files.readAllBytes(f);
                long t0 = System.nanoTime();
                parseOnly(ctx, body);
                long t1 = System.nanoTime();
                CountingStream out = new CountingStream();
                evaluator.evaluate(body, out);
                long t2 = System.nanoTime();
                parse[r] += t1 - t0;
                evaluate[r] += t2 - t1;
                answerBytes += out.count;
            }
        }
        long heapPeak = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf("input: %d patient bundles, %d resources, %.2f GB JSON (mean %.1f MB, largest %.1f MB)%n",
                files.size(), resources, bytes / 1e9, bytes / 1e6 / files.size(), largest / 1e6);
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double p = parse[r] / 1e9;
            double e = evaluate[r] / 1e9;
            ratios.add(e / p);
            System.out.printf("round %d: parse-only (HAPI) %.1f s -> %.0f resources/s; $evaluate %.1f s -> %.0f resources/s;"
                    + " ratio %.2f%n", r + 1, p, resources / p, e, resources / e, e / p);
        }
        System.out.printf("ratio $evaluate / parse-only: best %.2f, worst %.2f; answers %.1f MB%n",
                ratios.stream().min(Comparator.naturalOrder()).orElseThrow(),
                ratios.stream().max(Comparator.naturalOrder()).orElseThrow(), answerBytes / 1e6);
        System.out.printf("heap: peak pool usage %.0f MB (sum of pools, garbage included), max heap %.0f MB; peak RSS %s%n",
                heapPeak / 1e6, Runtime.getRuntime().maxMemory() / 1e6, peakRss());
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
    }

    /** The number of entries, so that the two paths are compared over the same resources. */
    static int parseOnly(FhirContext ctx, byte[] body) {
        return ctx.newJsonParser().parseResource(Bundle.class,
                new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8)).getEntry().size();
    }

    /** What {@code POST /fhir/$evaluate} does with a Bundle body, minus HTTP. */
    static final class Evaluator {
        private final EvaluationService service;
        private final EvaluationBundle output = new EvaluationBundle(new FindingResources("bench"));
        private final SelectiveBundleReader reader;
        private final BundleEncoder encoder;
        private final Instant asOf = Instant.parse("2026-07-01T00:00:00Z");

        Evaluator(FhirContext ctx) {
            RulesConfig rules = new SmallRyeConfigBuilder().withMapping(RulesConfig.class).build()
                    .getConfigMapping(RulesConfig.class);
            service = new EvaluationService(rules,
                    new Terminology(new CodeLists(ValueSetLoader.load(ctx.newJsonParser(), null))), new SimpleMeterRegistry());
            reader = new SelectiveBundleReader(ctx);
            encoder = new BundleEncoder(ctx);
        }

        void evaluate(byte[] body, OutputStream out) throws IOException {
            evaluate(new ByteArrayInputStream(body), out);
        }

        void evaluate(InputStream body, OutputStream out) throws IOException {
            SelectiveBundleReader.Selection in = reader.read(FhirFormat.JSON,
                    FhirInput.limited(body, Long.MAX_VALUE), Long.MAX_VALUE);
            FhirInput.checkType(in.shell());
            EvaluationService.Report report = service.evaluate(in.index(), asOf, "bench");
            encoder.write(output.build(report.evaluations(), report.notices(), asOf), FhirFormat.JSON, false, out);
        }
    }

    private static String peakRss() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                    .map(l -> l.substring(6).trim()).findFirst().orElse("n/a");
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
