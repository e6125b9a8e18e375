package org.e2guard.synthea;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.e2guard.cds.api.Card;
import org.e2guard.cds.api.Suggestion;
import org.e2guard.cds.config.CdsConfig;
import org.e2guard.cds.service.CardFactory;
import org.e2guard.cds.service.CdsService;
import org.e2guard.cds.service.Hook;
import org.e2guard.cds.service.HookCall;
import org.e2guard.cds.service.SuggestionResources;
import org.e2guard.engine.Action;
import org.e2guard.engine.Engine;
import org.e2guard.engine.Evaluation;
import org.e2guard.engine.ExposureRun;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.engine.RuleParameters;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.fhir.FhirSupport;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.mapping.record.NdjsonReader;
import org.e2guard.mapping.record.PatientGrouper;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.mapping.terminology.CodeLists;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.Exposure;
import org.e2guard.timeline.Ingredient.DrugClass;
import org.e2guard.timeline.PatientRecord;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Extension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Issue 17 on realistic records: the committed Synthea population ({@code src/test/resources/synthea/},
 * women on an aromatase inhibitor and men on testosterone therapy and anastrozole) evaluated as the
 * clinical review did, 90 days after each patient's AI run started, and again on the last day an AI
 * was on record. Every finding, as the DetectedIssue and as the CDS card, must say only what the
 * record shows and recommend what RULES.md 1.2 §5's action table gives the patient's column. The
 * counts are printed; the texts are written to {@code target/synthea-cards.md} for a clinician to read.
 *
 * <p>A Quarkus test although it needs no bean: Synthea's narratives are XHTML, and StAX loaded outside
 * the Quarkus class loader after the Quarkus tests of the same JVM fails with a LinkageError on
 * {@code javax.xml.namespace.QName}; inside it, it reads them as the service does.
 */
@io.quarkus.test.junit.QuarkusTest
class SyntheaPopulationTest {
    /** A UCUM annotation as a unit, e.g. "{T-score}". */
    private static final Pattern ANNOTATION = Pattern.compile("\\{[^}]*}");
    /** A value then the same value again in brackets: "-3.414 {T-score} (-3.414)". */
    private static final Pattern REPEATED = Pattern.compile("(-?\\d+(?:\\.\\d+)?)(?:\\s*[^\\s(),:;]+)?\\s*\\((\\1)\\b");
    private static final Pattern DECIMAL = Pattern.compile("(?<![\\d.-])-?\\d+\\.\\d+(?![\\d.])");
    private static final Pattern ON_AI = Pattern.compile("\\bon (letrozole|anastrozole|exemestane|an aromatase inhibitor)");

    static FhirContext ctx;
    static EvaluationService service;
    static RulesConfig rules;
    static Engine engine;
    static CardFactory cards;
    static FindingResources resources;
    static List<EvaluationService.PatientIntake> patients;

    @BeforeAll
    static void load() throws IOException {
        ctx = FhirSupport.newContext();
        // the defaults of the application's own configuration, read as Quarkus reads them
        var config = new SmallRyeConfigBuilder().withMapping(RulesConfig.class).withMapping(CdsConfig.class)
                .withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withConverter(io.quarkus.runtime.configuration.MemorySize.class, 200,
                        new io.quarkus.runtime.configuration.MemorySizeConverter())
                .build();
        rules = config.getConfigMapping(RulesConfig.class);
        service = new EvaluationService(rules, new Terminology(new CodeLists(ValueSetLoader.load(ctx.newJsonParser(), null))),
                new SimpleMeterRegistry());
        engine = new Engine(rules.toParameters());
        cards = new CardFactory(new SuggestionResources(ctx), rules, config.getConfigMapping(CdsConfig.class));
        resources = new FindingResources("test");
        ResourceIndex index = new ResourceIndex();
        IParser parser = ctx.newJsonParser();
        for (String type : PatientGrouper.READ) {
            String name = "/synthea/" + type + ".ndjson.gz";
            try (InputStream in = SyntheaPopulationTest.class.getResourceAsStream(name)) {
                if (in == null) {
                    continue;
                }
                try (NdjsonReader reader = new NdjsonReader(new GZIPInputStream(in), name)) {
                    for (NdjsonReader.Line l = reader.nextRead(); l != null; l = reader.nextRead()) {
                        index.add(null, NdjsonReader.parse(parser, l, name));
                    }
                }
            }
        }
        patients = service.intake(index).patients();
    }

    /** The instants a patient is evaluated at: 90 days into the AI run, and its last AI date. */
    record Moment(String label, Instant asOf) {
    }

    static List<Moment> moments(PatientRecord record) {
        RuleParameters p = rules.toParameters();
        List<Exposure> ai = record.exposures(DrugClass.AROMATASE_INHIBITOR);
        if (ai.isEmpty()) {
            return List.of();
        }
        Instant last = ai.stream().map(e -> e.end() != null ? e.end() : e.start()).max(Comparator.naturalOrder()).orElseThrow();
        Instant firstStart = ai.stream().map(Exposure::start).min(Comparator.naturalOrder()).orElseThrow();
        // the AI run the last AI date belongs to, from its own start (a patient may have had an earlier one)
        ExposureRun run = ExposureRun.current(ai, last, p.exposureGapJoinsBelowDays(), p.recentlyCompletedDays());
        Instant start = run == null ? firstStart : run.start();
        List<Moment> out = new ArrayList<>();
        out.add(new Moment("90 days after the AI run started (" + date(start) + ")", start.plus(Duration.ofDays(90))));
        if (last.isAfter(start.plus(Duration.ofDays(90)))) {
            out.add(new Moment("last AI date", last));
        }
        return out;
    }

    static boolean onTrt(PatientRecord record, Instant asOf) {
        RuleParameters p = rules.toParameters();
        return ExposureRun.current(record.exposures(DrugClass.TESTOSTERONE), asOf, p.exposureGapJoinsBelowDays(),
                p.recentlyCompletedDays()) != null;
    }

    @Test
    void everyFindingSaysOnlyWhatTheRecordShowsAndFitsThePatientsColumn() throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, Integer> byRule = new TreeMap<>();
        int women = 0;
        int men = 0;
        int menOnTrt = 0;
        StringBuilder dump = new StringBuilder("# Synthea population: findings and CDS cards\n\n");
        for (EvaluationService.PatientIntake p : patients) {
            PatientRecord record = p.record();
            List<Moment> moments = moments(record);
            if (moments.isEmpty()) {
                continue;
            }
            boolean male = record.gender() == PatientRecord.Gender.MALE;
            if (male) {
                men++;
                menOnTrt += record.exposures(DrugClass.TESTOSTERONE).isEmpty() ? 0 : 1;
            } else {
                women++;
            }
            dump.append("## ").append(record.patientRef()).append(": ").append(describe(record)).append("\n\n");
            for (Moment m : moments) {
                Evaluation ev = engine.evaluate(record, m.asOf());
                boolean trt = onTrt(record, m.asOf());
                ExposureRun run = ExposureRun.current(record.exposures(DrugClass.AROMATASE_INHIBITOR), m.asOf(),
                        rules.toParameters().exposureGapJoinsBelowDays(), rules.toParameters().recentlyCompletedDays());
                counts.merge("evaluations", 1, Integer::sum);
                counts.merge("evaluations on an AI", run == null ? 0 : 1, Integer::sum);
                dump.append("### ").append(m.label()).append(", ").append(date(m.asOf()))
                        .append(trt ? ", on testosterone therapy" : ", no testosterone therapy").append("\n\n");
                for (Finding f : ev.findings()) {
                    String who = record.patientRef() + " at " + date(m.asOf()) + " " + f.rule().code();
                    counts.merge("findings", 1, Integer::sum);
                    byRule.merge(f.rule().id() + (trt ? " (TRT)" : " (no TRT)"), 1, Integer::sum);
                    boolean dose = f.actions().contains(Action.REVIEW_AI_DOSE);
                    counts.merge("review-ai-dose, " + (trt ? "on TRT" : "no TRT"), dose ? 1 : 0, Integer::sum);
                    if (dose && !trt) {
                        problems.add(who + ": review-ai-dose without testosterone therapy");
                    }
                    DetectedIssue issue = resources.detectedIssue(f, m.asOf());
                    List<String> actionCodes = issue.getExtensionsByUrl(org.e2guard.mapping.output.Canonical.EXT_ACTION)
                            .stream().map(Extension::getValue).map(v -> ((org.hl7.fhir.r4.model.CodeableConcept) v)
                                    .getCodingFirstRep().getCode()).toList();
                    if (!trt && actionCodes.contains(Action.REVIEW_AI_DOSE.code())) {
                        problems.add(who + ": the DetectedIssue recommends review-ai-dose without testosterone therapy");
                    }
                    problems.addAll(summaryProblems(who, f.summary(), record, run));
                    String detail = issue.getDetail();
                    if (!detail.contains("Rule " + f.rule().id() + " " + f.rule().code()) || !detail.contains("ruleset 1.2.0")) {
                        problems.add(who + ": the detail does not name its rule and ruleset 1.2.0");
                    }
                    if (ANNOTATION.matcher(detail).find()) {
                        problems.add(who + ": UCUM annotation in the detail: " + detail);
                    }
                    if (detail.contains("severe osteoporosis") && !fragilityFractureCoded(record, m.asOf())) {
                        problems.add(who + ": 'severe osteoporosis' without a fragility fracture coded as one");
                    }
                }
                HookCall call = new HookCall(new CdsService("e2guard-patient-view", Hook.PATIENT_VIEW, "", "", "", List.of()),
                        "test", id(record), "Practitioner/test", null, null, Map.of(), null, null, m.asOf());
                List<Card> issued = ev.findings().isEmpty() ? List.of()
                        : cards.cards(call, List.of(new CardFactory.Reviewed(ev, null, null, record)), Set.of());
                for (Card c : issued) {
                    String who = record.patientRef() + " at " + date(m.asOf()) + " card '" + c.summary() + "'";
                    counts.merge("cards", 1, Integer::sum);
                    problems.addAll(summaryProblems(who, c.summary(), record, run));
                    if (ANNOTATION.matcher(c.detail()).find()) {
                        problems.add(who + ": UCUM annotation in the card detail");
                    }
                    for (Suggestion s : c.suggestions()) {
                        if (!trt && (s.label().startsWith("Change to") || s.label().startsWith("Remove the"))) {
                            problems.add(who + ": suggestion '" + s.label() + "' without testosterone therapy");
                        }
                    }
                    dump.append("**Card** (").append(c.indicator()).append("): ").append(c.summary()).append("\n\n")
                            .append(c.detail()).append("\n\n");
                    for (Suggestion s : c.suggestions()) {
                        dump.append("- suggestion: ").append(s.label()).append('\n');
                    }
                    dump.append('\n');
                }
            }
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/synthea-cards.md"), dump, StandardCharsets.UTF_8);
        System.out.printf("Synthea population: %d patients on an AI (%d women, %d men, %d of them on TRT)%n",
                women + men, women, men, menOnTrt);
        counts.forEach((k, v) -> System.out.printf("  %s: %d%n", k, v));
        byRule.forEach((k, v) -> System.out.printf("  %s: %d%n", k, v));
        problems.forEach(System.out::println);
        assertTrue(women >= 5, "the population holds the women Synthea put on an AI");
        assertTrue(menOnTrt >= 4 && men > menOnTrt, "men on TRT and a man on anastrozole without TRT");
        assertTrue(counts.getOrDefault("review-ai-dose, on TRT", 0) > 0, "the TRT column is exercised");
        assertTrue(counts.getOrDefault("findings", 0) > 0);
        assertEquals(List.of(), problems);
    }

    /** What issue 17 forbids in a one-line summary (finding or card). */
    static List<String> summaryProblems(String who, String summary, PatientRecord record, ExposureRun run) {
        List<String> out = new ArrayList<>();
        if (summary.length() > Finding.SUMMARY_MAX) {
            out.add(who + ": summary longer than 140 characters");
        }
        if (ANNOTATION.matcher(summary).find()) {
            out.add(who + ": UCUM annotation in the summary: " + summary);
        }
        if (REPEATED.matcher(summary).find()) {
            out.add(who + ": a value repeated in the summary: " + summary);
        }
        Matcher d = DECIMAL.matcher(summary);
        List<String> decimals = new ArrayList<>();
        while (d.find()) {
            if (decimals.contains(d.group())) {
                out.add(who + ": value " + d.group() + " twice in the summary: " + summary);
            }
            decimals.add(d.group());
        }
        // a DXA taken before the AI run started is never said to be "on" the AI
        if (run != null && (summary.startsWith("DXA ") || summary.startsWith("BMD "))) {
            java.time.LocalDate start = run.start().atZone(ZoneOffset.UTC).toLocalDate();
            for (DxaResult x : record.dxa()) {
                if (summary.contains(x.date().toString()) && x.date().isBefore(start) && ON_AI.matcher(summary).find()) {
                    out.add(who + ": a DXA of " + x.date() + ", before the AI started, said to be on it: " + summary);
                }
            }
        }
        return out;
    }

    /** RULES.md 1.2: a coded fracture is decided by its code; an injury fracture is no fragility fracture. */
    static boolean fragilityFractureCoded(PatientRecord record, Instant asOf) {
        return record.context().stream().anyMatch(c -> c.kind() == ClinicalContext.Kind.FRAGILITY_FRACTURE && c.standsAt(asOf));
    }

    static String describe(PatientRecord r) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.gender().name().toLowerCase()).append(", born ").append(r.birthDate());
        for (Exposure e : r.exposures(DrugClass.AROMATASE_INHIBITOR)) {
            sb.append("; ").append(e.ingredient().label()).append(' ').append(date(e.start()))
                    .append(e.end() == null ? "" : " to " + date(e.end())).append(e.current() ? " (current)" : "")
                    .append(e.dose() == null ? "" : ", " + e.dose());
        }
        for (Exposure e : r.exposures(DrugClass.TESTOSTERONE)) {
            sb.append("; testosterone ").append(date(e.start())).append(e.end() == null ? "" : " to " + date(e.end()));
        }
        for (DxaResult x : r.dxa()) {
            sb.append("; DXA ").append(x.date()).append(' ').append(x.kind()).append(' ').append(x.site().label())
                    .append(' ').append(x.value());
        }
        for (ClinicalContext c : r.context()) {
            sb.append("; ").append(c.kind()).append(" '").append(c.label()).append("' ")
                    .append(c.time() == null ? "" : date(c.time()));
        }
        return sb.toString();
    }

    private static String id(PatientRecord r) {
        return r.patientRef().substring(r.patientRef().indexOf('/') + 1);
    }

    private static String date(Instant t) {
        return t.atZone(ZoneOffset.UTC).toLocalDate().toString();
    }
}
