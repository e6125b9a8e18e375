package org.e2guard.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

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
 * $evaluate in-process against HAPI's parse-only time for the same bundle. "$evaluate" is the
 * whole operation minus HTTP, as the endpoint runs it: selective read, grouping, mapping, rules, output Bundle and its
 * JSON encoding — the same classes the endpoint calls. Run with {@code bench/evaluate.sh}.
 */
public final class EvaluateBenchmark {
    public static void main(String[] args) {
        int patients = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        FhirContext ctx = FhirSupport.newContext();
        RulesConfig rules = new SmallRyeConfigBuilder().withMapping(RulesConfig.class).build()
                .getConfigMapping(RulesConfig.class);
        EvaluationService service = new EvaluationService(rules,
                new Terminology(new CodeLists(ValueSetLoader.load(ctx.newJsonParser(), null))), new SimpleMeterRegistry());
        EvaluationBundle output = new EvaluationBundle(new FindingResources("bench"));
        Instant asOf = Instant.parse("2026-07-01T00:00:00Z");

        byte[] body = SyntheticPatients.bundle(patients, 42).getBytes(StandardCharsets.UTF_8);
        int resources = ctx.newJsonParser().parseResource(Bundle.class, new String(body, StandardCharsets.UTF_8)).getEntry().size();

        long[] parse = new long[iterations];
        long[] evaluate = new long[iterations];
        int findings = 0;
        long outputBytes = 0;
        // warm-up: JIT both paths before measuring
        for (int i = 0; i < 5; i++) {
            parseOnly(ctx, body);
            evaluate(ctx, service, output, body, asOf);
        }
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            parseOnly(ctx, body);
            long t1 = System.nanoTime();
            ByteArrayOutputStream out = evaluate(ctx, service, output, body, asOf);
            long t2 = System.nanoTime();
            parse[i] = t1 - t0;
            evaluate[i] = t2 - t1;
            // the endpoint writes the bytes to the response: decoding them is the benchmark's own work, not timed
            outputBytes = out.size();
            findings = countOf(out.toString(StandardCharsets.UTF_8), "\"resourceType\":\"DetectedIssue\"");
        }
        breakdown(ctx, service, output, body, asOf);
        Arrays.sort(parse);
        Arrays.sort(evaluate);
        double parseMs = parse[iterations / 2] / 1e6;
        double evalMs = evaluate[iterations / 2] / 1e6;
        System.out.printf("bundle: %d patients, %d resources, %.1f MB JSON; output %d DetectedIssues, %.1f MB%n",
                patients, resources, body.length / 1e6, findings, outputBytes / 1e6);
        System.out.printf("parse-only (HAPI): median %.1f ms, min %.1f ms -> %.0f resources/s%n",
                parseMs, parse[0] / 1e6, resources / (parseMs / 1000));
        System.out.printf("$evaluate in-process: median %.1f ms, min %.1f ms -> %.0f resources/s%n",
                evalMs, evaluate[0] / 1e6, resources / (evalMs / 1000));
        System.out.printf("ratio $evaluate / parse-only (medians): %.2f%n", evalMs / parseMs);
        System.gc();
        long heapPeak = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf("heap: peak pool usage %.0f MB (sum of pools), max heap %.0f MB%n", heapPeak / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
    }

    private static void parseOnly(FhirContext ctx, byte[] body) {
        ctx.newJsonParser().parseResource(Bundle.class, new java.io.InputStreamReader(new ByteArrayInputStream(body),
                StandardCharsets.UTF_8));
    }

    /** As the endpoint does it: selective read of the Bundle, rules, the answer streamed ({@link BundleEncoder}). */
    private static ByteArrayOutputStream evaluate(FhirContext ctx, EvaluationService service, EvaluationBundle output, byte[] body,
                                   Instant asOf) {
        SelectiveBundleReader.Selection in = reader(ctx).read(FhirFormat.JSON,
                FhirInput.limited(new ByteArrayInputStream(body), Long.MAX_VALUE), Long.MAX_VALUE);
        EvaluationService.Report report = service.evaluate(in.index(), asOf, "bench");
        return encode(ctx, output.build(report.evaluations(), report.notices(), asOf));
    }

    private static SelectiveBundleReader reader;

    /** One reader, as the endpoint holds one. */
    private static SelectiveBundleReader reader(FhirContext ctx) {
        if (reader == null) {
            reader = new SelectiveBundleReader(ctx);
        }
        return reader;
    }

    private static ByteArrayOutputStream encode(FhirContext ctx, Bundle answer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        try {
            new BundleEncoder(ctx).write(answer, FhirFormat.JSON, false, out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /** Where the time goes, one phase at a time (medians of five runs). */
    private static void breakdown(FhirContext ctx, EvaluationService service, EvaluationBundle output, byte[] body,
                                  Instant asOf) {
        long[][] t = new long[4][5];
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            SelectiveBundleReader.Selection in = reader(ctx).read(FhirFormat.JSON,
                    FhirInput.limited(new ByteArrayInputStream(body), Long.MAX_VALUE), Long.MAX_VALUE);
            long t1 = System.nanoTime();
            EvaluationService.Report report = service.evaluate(in.index(), asOf, "bench");
            long t2 = System.nanoTime();
            Bundle out = output.build(report.evaluations(), report.notices(), asOf);
            long t3 = System.nanoTime();
            encode(ctx, out);
            long t4 = System.nanoTime();
            t[0][i] = t1 - t0;
            t[1][i] = t2 - t1;
            t[2][i] = t3 - t2;
            t[3][i] = t4 - t3;
        }
        String[] names = {"selective read", "index+map+rules", "output resources", "JSON encoding"};
        for (int k = 0; k < 4; k++) {
            Arrays.sort(t[k]);
            System.out.printf("  phase %-22s median %.1f ms%n", names[k], t[k][2] / 1e6);
        }
    }

    private static int countOf(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
