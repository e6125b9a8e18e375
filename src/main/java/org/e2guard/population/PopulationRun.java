package org.e2guard.population;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;

import org.e2guard.engine.Engine;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.engine.Severity;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.mapping.output.RuleCounts;
import org.e2guard.mapping.output.RuleMeasureReport;
import org.e2guard.mapping.record.NdjsonReader;
import org.e2guard.mapping.record.ResourceIndex;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;

/**
 * One population dry run over NDJSON files, in memory bounded by a bucket, not by the population.
 *
 * <p>Bulk Data NDJSON comes one file per resource type, so a patient's resources are spread over
 * every file. The run therefore reads each file once, routing every line (unparsed; its patient
 * is read with a streaming scan) to one of N bucket files on disk by a hash of its patient, N
 * chosen so that a bucket holds about {@code bucketBytes} of NDJSON; then it evaluates one bucket
 * at a time: parse, group by patient, map and run the engine exactly as {@code $evaluate} does
 * ({@link EvaluationService#intake} and {@link Engine#evaluate}). Heap therefore holds one bucket,
 * the shared Medication resources and the counts. Disk rather than PostgreSQL: a dry run must not
 * copy a population's records into the service's database, and the buckets are deleted as soon as
 * they are evaluated.
 *
 * <p>Every what-if setting is evaluated on the same mapped record, so the columns differ only by
 * the rule settings. Outputs in {@code out}: {@code MeasureReport.ndjson} (one per setting, the
 * baseline first), {@code DetectedIssue.ndjson} (the baseline's findings), {@code OperationOutcome.ndjson}
 * (unreadable lines, if any) and {@code summary.json} for the report.
 */
public final class PopulationRun {
    /**
     * Buckets are files open at once while routing (each with a small buffer); beyond this, buckets
     * grow instead: 4,096 x 16 MB of NDJSON the rules read before heap starts to follow the input.
     */
    static final int MAX_BUCKETS = 4096;
    /** Unreadable lines listed in OperationOutcome.ndjson; more are only counted. */
    static final int MAX_ERRORS_LISTED = 1000;

    /** A named NDJSON file. */
    public record Input(String name, Path file) {
    }

    /** The part of a population one worker of several evaluates: patients whose hash falls to {@code index}. */
    public record Shard(int index, int count) {
        public static final Shard ALL = new Shard(0, 1);

        public Shard {
            if (count < 1 || index < 0 || index >= count) {
                throw new IllegalArgumentException("shard " + index + " of " + count);
            }
        }

        boolean keeps(String patientKey) {
            return count == 1 || Math.floorMod(patientKey.hashCode(), count) == index;
        }
    }

    /** Where a long run reports how far it is, and learns that it should stop. */
    public interface Progress {
        void update(String text);

        boolean cancelled();

        Progress NONE = new Progress() {
            @Override
            public void update(String text) {
            }

            @Override
            public boolean cancelled() {
                return false;
            }
        };
    }

    private record Column(Setting setting, Engine engine, RuleCounts counts) {
    }

    private final FhirContext ctx;
    private final EvaluationService evaluation;
    private final RulesConfig rules;
    private final FindingResources resources;
    private final long bucketBytes;
    private final int listedMax;
    private final Clock clock;

    public PopulationRun(FhirContext ctx, EvaluationService evaluation, RulesConfig rules, FindingResources resources,
                         long bucketBytes, int listedMax, Clock clock) {
        this.ctx = ctx;
        this.evaluation = evaluation;
        this.rules = rules;
        this.resources = resources;
        this.bucketBytes = Math.max(1, bucketBytes);
        this.listedMax = listedMax;
        this.clock = clock;
    }

    /**
     * The engines of the settings, the baseline first; throws IllegalArgumentException for a setting
     * that names an unknown key or a bad value, before any work is done.
     */
    public List<Engine> engines(List<Setting> settings) {
        List<Engine> engines = new ArrayList<>();
        engines.add(new Engine(rules.toParameters()));
        for (Setting s : settings) {
            engines.add(new Engine(RuleOverrides.apply(rules, s.overrides())));
        }
        return engines;
    }

    public PopulationSummary run(List<Input> inputs, Instant asOf, List<Setting> settings, Shard shard, Path work,
                                 Path out, Progress progress) throws IOException {
        Instant started = clock.instant();
        List<Engine> engines = engines(settings);
        List<Column> columns = new ArrayList<>();
        columns.add(new Column(Setting.baseline(), engines.get(0), new RuleCounts()));
        for (int i = 0; i < settings.size(); i++) {
            columns.add(new Column(settings.get(i), engines.get(i + 1), new RuleCounts()));
        }
        long total = 0;
        long routedEstimate = 0;
        for (Input in : inputs) {
            total += Files.size(in.file());
            routedEstimate += readSize(in);
        }
        int buckets = (int) Math.min(MAX_BUCKETS, Math.max(1, (routedEstimate + bucketBytes - 1) / bucketBytes));
        Files.createDirectories(work);
        Files.createDirectories(out);
        Errors errors = new Errors(out.resolve("OperationOutcome.ndjson"));
        Map<String, Long> skipped = new TreeMap<>();
        Path shared = work.resolve("shared.ndjson");
        long read;
        try {
            read = route(inputs, shard, work, buckets, shared, skipped, errors, progress, total);
            List<Resource> medications = parseShared(shared, inputs, errors);
            Listing listed = new Listing(listedMax);
            try (Writer issues = Files.newBufferedWriter(out.resolve("DetectedIssue.ndjson"), StandardCharsets.UTF_8)) {
                IParser encoder = ctx.newJsonParser().setPrettyPrint(false);
                long patients = 0;
                for (int b = 0; b < buckets; b++) {
                    checkCancelled(progress);
                    progress.update("evaluating: bucket " + (b + 1) + " of " + buckets + ", " + patients + " patients so far");
                    Path bucket = bucket(work, b);
                    if (!Files.exists(bucket)) {
                        continue;
                    }
                    ResourceIndex index = new ResourceIndex();
                    medications.forEach(m -> index.add(null, m));
                    readBucket(bucket, inputs, errors, index);
                    Files.delete(bucket);
                    for (EvaluationService.PatientIntake p : evaluation.intake(index).patients()) {
                        patients++;
                        for (int c = 0; c < columns.size(); c++) {
                            Column col = columns.get(c);
                            boolean onAi = col.engine().onAromataseInhibitor(p.record(), asOf);
                            List<Finding> findings = col.setting().keep(col.engine().evaluate(p.record(), asOf).findings());
                            col.counts().add(findings, onAi);
                            if (c == 0) {
                                for (Finding f : findings) {
                                    issues.write(encoder.encodeResourceToString(resources.detectedIssue(f, started)));
                                    issues.write('\n');
                                }
                                listed.offer(p, findings, asOf);
                            }
                        }
                    }
                }
            }
            Date at = Date.from(asOf);
            try (Writer reports = Files.newBufferedWriter(out.resolve("MeasureReport.ndjson"), StandardCharsets.UTF_8)) {
                IParser encoder = ctx.newJsonParser().setPrettyPrint(false);
                for (Column col : columns) {
                    MeasureReport mr = RuleMeasureReport.build(col.counts(), col.setting().name(), at, at);
                    reports.write(encoder.encodeResourceToString(mr));
                    reports.write('\n');
                }
            }
            errors.close();
            return new PopulationSummary(asOf, started, clock.instant(), read, skipped, errors.count, buckets,
                    columns.stream().map(c -> column(c.setting(), c.counts())).toList(), listed.charts());
        } finally {
            errors.close();
            for (int b = 0; b < buckets; b++) {
                Files.deleteIfExists(bucket(work, b));
            }
            Files.deleteIfExists(shared);
        }
    }

    /** Pass 1: every line of every input to its patient's bucket file; returns resources routed. */
    private long route(List<Input> inputs, Shard shard, Path work, int buckets, Path shared, Map<String, Long> skipped,
                       Errors errors, Progress progress, long total) throws IOException {
        Writer[] writers = new Writer[buckets];
        long routed = 0;
        long bytesDone = 0;
        try (Writer sharedOut = Files.newBufferedWriter(shared, StandardCharsets.UTF_8)) {
            for (int b = 0; b < buckets; b++) {
                writers[b] = new BufferedWriter(Files.newBufferedWriter(bucket(work, b), StandardCharsets.UTF_8), 4096);
            }
            for (int i = 0; i < inputs.size(); i++) {
                Input in = inputs.get(i);
                progress.update("reading " + in.name() + " (" + percent(bytesDone, total) + " % of the input)");
                try (InputStream s = Files.newInputStream(in.file()); NdjsonReader reader = new NdjsonReader(s, in.name())) {
                    while (true) {
                        NdjsonReader.Line line;
                        try {
                            line = reader.nextRead();
                        } catch (NdjsonReader.Malformed e) {
                            errors.add(e.getMessage());
                            if (e.fatal()) {
                                break;
                            }
                            continue;
                        }
                        if (line == null) {
                            break;
                        }
                        if ((routed & 0x3ff) == 0) {
                            checkCancelled(progress);
                        }
                        String key = line.patient() == null ? "" : line.patient();
                        Writer w;
                        if (line.patient() == null && "Medication".equals(line.resourceType())) {
                            w = sharedOut; // shared by every patient that refers to it
                        } else if (!shard.keeps(key)) {
                            continue;
                        } else {
                            w = writers[Math.floorMod(Integer.rotateLeft(key.hashCode() * 0x9E3779B9, 16), buckets)];
                        }
                        w.write(Integer.toString(i));
                        w.write('\t');
                        w.write(Long.toString(line.number()));
                        w.write('\t');
                        w.write(line.json());
                        w.write('\n');
                        routed++;
                    }
                    reader.skipped().forEach((type, n) -> skipped.merge(type, n, Long::sum));
                }
                bytesDone += Files.size(in.file());
            }
        } finally {
            for (Writer w : writers) {
                if (w != null) {
                    w.close();
                }
            }
        }
        return routed;
    }

    /**
     * The bytes of an input that will be routed, for sizing the buckets: Bulk Data files hold one
     * resource type each, so a file whose first resource is of a type the rules do not read (Claim,
     * Encounter, ...) counts for nothing; any other file counts whole.
     */
    private static long readSize(Input in) throws IOException {
        try (InputStream s = Files.newInputStream(in.file()); NdjsonReader reader = new NdjsonReader(s, in.name())) {
            NdjsonReader.Line first = reader.next();
            return first == null || !first.read() ? 0 : Files.size(in.file());
        } catch (NdjsonReader.Malformed e) {
            return Files.size(in.file());
        }
    }

    private List<Resource> parseShared(Path shared, List<Input> inputs, Errors errors) throws IOException {
        List<Resource> list = new ArrayList<>();
        ResourceIndex sink = new ResourceIndex();
        readBucket(shared, inputs, errors, sink);
        list.addAll(sink.resources());
        return list;
    }

    /** Pass 2, one bucket: each routed line parsed into the index. */
    private void readBucket(Path bucket, List<Input> inputs, Errors errors, ResourceIndex index) throws IOException {
        IParser parser = ctx.newJsonParser();
        try (var lines = Files.newBufferedReader(bucket, StandardCharsets.UTF_8)) {
            for (String l = lines.readLine(); l != null; l = lines.readLine()) {
                int t1 = l.indexOf('\t');
                int t2 = l.indexOf('\t', t1 + 1);
                String source = inputs.get(Integer.parseInt(l.substring(0, t1))).name();
                long number = Long.parseLong(l.substring(t1 + 1, t2));
                String json = l.substring(t2 + 1);
                try {
                    index.add(null, NdjsonReader.parse(parser, new NdjsonReader.Line(number, null, null, null, json), source));
                } catch (NdjsonReader.Malformed e) {
                    errors.add(e.getMessage());
                }
            }
        }
    }

    private static PopulationSummary.Column column(Setting s, RuleCounts counts) {
        List<PopulationSummary.RuleRow> rows = new ArrayList<>();
        for (Rule r : Rule.values()) {
            RuleCounts.PerRule c = counts.rule(r);
            Map<String, Long> bySeverity = new LinkedHashMap<>();
            for (Severity sev : Severity.values()) {
                bySeverity.put(sev.code(), c.stratum(RuleCounts.SEVERITY, sev.code()));
            }
            rows.add(new PopulationSummary.RuleRow(r.code(), r.id(), r.title(), c.patients(),
                    Math.round(counts.per1000(c.patients()) * 10) / 10.0, bySeverity));
        }
        return new PopulationSummary.Column(s.name(), new TreeMap<>(s.overrides()),
                s.off().stream().map(Rule::code).sorted().toList(), counts.evaluated(), counts.population(),
                counts.withHigh(), rows);
    }

    private static Path bucket(Path work, int b) {
        return work.resolve(String.format("bucket-%03d.ndjson", b));
    }

    private static long percent(long done, long total) {
        return total == 0 ? 100 : done * 100 / total;
    }

    private static void checkCancelled(Progress progress) {
        if (progress.cancelled()) {
            throw new CancellationException("cancelled");
        }
    }

    /** Patients listed for review: those with a high-severity finding first, at most {@code max}. */
    private static final class Listing {
        private final int max;
        private final List<PatientChart> high = new ArrayList<>();
        private final List<PatientChart> other = new ArrayList<>();

        Listing(int max) {
            this.max = max;
        }

        void offer(EvaluationService.PatientIntake p, List<Finding> findings, Instant asOf) {
            if (findings.isEmpty()) {
                return;
            }
            boolean isHigh = findings.stream().anyMatch(f -> f.severity() == Severity.HIGH);
            List<PatientChart> list = isHigh ? high : other;
            if (list.size() < max) {
                list.add(PatientChart.of(p.record(), findings, asOf));
            }
        }

        List<PatientChart> charts() {
            List<PatientChart> all = new ArrayList<>(high);
            for (PatientChart c : other) {
                if (all.size() >= max) {
                    break;
                }
                all.add(c);
            }
            return all;
        }
    }

    /** Unreadable input lines as OperationOutcome lines (where, never what), the first few listed. */
    private final class Errors implements AutoCloseable {
        private final Path file;
        private Writer out;
        long count;

        Errors(Path file) {
            this.file = file;
        }

        void add(String message) {
            count++;
            if (count > MAX_ERRORS_LISTED) {
                return;
            }
            OperationOutcome oo = new OperationOutcome();
            oo.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.STRUCTURE)
                    .setDiagnostics(message + "; the line was left out of the dry run");
            try {
                if (out == null) {
                    out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                }
                out.write(ctx.newJsonParser().encodeResourceToString(oo));
                out.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            if (out != null) {
                out.close();
                out = null;
            }
        }
    }
}
