package org.e2guard.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The clinical golden cases, for every test that needs them: where they are, what each holds, and
 * how its findings are compared.
 *
 * <p>The repository carries its own cases ({@value #BUILT_IN}, see the README there), so a clone
 * alone passes its tests. {@code -De2guard.cases.dir=DIR[,DIR...]} adds further folders of the
 * same format (CI adds the clinical specification's cases); a relative folder is taken from the
 * project directory. A folder that is missing, or holds fewer cases than it must, fails the test
 * that lists it, since a parameterised test over no cases would pass silently.
 *
 * <p>Findings are compared as a multiset: the same {patient, rule, severity} twice is a defect
 * (a duplicated DetectedIssue or card), so it must not collapse into one as it would in a set.
 */
public final class GoldenCases {
    /** The repository's own cases, relative to the project directory. */
    public static final String BUILT_IN = "src/test/resources/clinical/cases";
    /** The system property naming further case folders, comma-separated. */
    public static final String EXTRA_DIRS = "e2guard.cases.dir";
    /** c01-c18, x01-x41, r01-r48 and v01-v40: fewer means a case went missing. */
    static final int MIN_BUILT_IN = 147;
    static final int MIN_EXTRA = 1;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUNDLE = ".bundle.json";
    private static final String EXPECTED = ".expected.json";

    private GoldenCases() {
    }

    /** One expected or actual finding. */
    public record Finding(String patient, String rule, String severity) {
        static final Comparator<Finding> ORDER = Comparator.comparing(Finding::patient)
                .thenComparing(Finding::rule).thenComparing(Finding::severity);

        @Override
        public String toString() {
            return patient + " " + rule + " " + severity;
        }
    }

    /**
     * A finding as an output shows it to a clinician: the recommended-action codes, the one-line
     * summary and the detail (a DetectedIssue, or a finding's part of a CDS card).
     */
    public record Shown(Finding finding, Set<String> actions, String summary, String detail) {
    }

    /** What one expected finding must carry; empty lists check nothing. */
    public record Content(Finding finding, List<String> actionsInclude, List<String> actionsExclude,
                          List<String> summaryIncludes, List<String> summaryExcludes, List<String> detailIncludes,
                          List<String> detailExcludes) {
        boolean isEmpty() {
            return actionsInclude.isEmpty() && actionsExclude.isEmpty() && summaryIncludes.isEmpty()
                    && summaryExcludes.isEmpty() && detailIncludes.isEmpty() && detailExcludes.isEmpty();
        }

        void check(Shown s, String where) {
            String at = where + " " + finding + ": ";
            Set<String> actions = s.actions().stream().map(a -> a.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
            actionsInclude.forEach(a -> assertTrue(actions.contains(a.toLowerCase(Locale.ROOT)),
                    at + "recommends " + a + " (it recommends " + s.actions() + ")"));
            actionsExclude.forEach(a -> assertFalse(actions.contains(a.toLowerCase(Locale.ROOT)),
                    at + "never recommends " + a + " (it recommends " + s.actions() + ")"));
            summaryIncludes.forEach(t -> assertTrue(contains(s.summary(), t), at + "summary contains '" + t + "': " + s.summary()));
            summaryExcludes.forEach(t -> assertFalse(contains(s.summary(), t), at + "summary lacks '" + t + "': " + s.summary()));
            detailIncludes.forEach(t -> assertTrue(contains(s.detail(), t), at + "detail contains '" + t + "': " + s.detail()));
            detailExcludes.forEach(t -> assertFalse(contains(s.detail(), t), at + "detail lacks '" + t + "': " + s.detail()));
        }

        private static boolean contains(String text, String part) {
            return text.toLowerCase(Locale.ROOT).contains(part.toLowerCase(Locale.ROOT));
        }
    }

    private static List<String> texts(JsonNode finding, String field) {
        List<String> out = new ArrayList<>();
        finding.path(field).forEach(t -> out.add(t.asText()));
        return out;
    }

    /** One case: {@code NAME.bundle.json} and {@code NAME.expected.json} in {@code dir}. */
    public record Case(Path dir, String name, boolean builtIn) {
        public Path bundlePath() {
            return dir.resolve(name + BUNDLE);
        }

        /** The bundle as posted: the file's text, unchanged. */
        public String bundle() {
            try {
                return Files.readString(bundlePath());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public JsonNode expected() {
            Path file = dir.resolve(name + EXPECTED);
            try {
                return JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }

        /** The evaluation instant of the case. */
        public String asOf() {
            return expected().get("asOf").asText();
        }

        /**
         * What the expected findings must carry beside their key (RULES.md 1.2, the cases'
         * README): recommended actions, and texts their summary and detail must or must not
         * contain, case-insensitively. Only findings that say something are listed.
         */
        public List<Content> expectedContent() {
            List<Content> out = new ArrayList<>();
            for (JsonNode f : expected().get("findings")) {
                Content c = new Content(new Finding(f.get("patient").asText(), f.get("rule").asText(), f.get("severity").asText()),
                        texts(f, "actionsInclude"), texts(f, "actionsExclude"), texts(f, "summaryIncludes"),
                        texts(f, "summaryExcludes"), texts(f, "detailIncludes"), texts(f, "detailExcludes"));
                if (!c.isEmpty()) {
                    out.add(c);
                }
            }
            return out;
        }

        /**
         * Fails unless every finding {@link #expectedContent()} speaks of carries what it must, as
         * {@code shown}: each finding of that key is checked, so a duplicate cannot hide a bad one.
         */
        public void assertContent(Collection<Shown> shown) {
            assertContent(null, shown);
        }

        /** The same for one patient's findings only ({@code Patient/ID}), or every patient's for null. */
        public void assertContent(String patientRef, Collection<Shown> shown) {
            for (Content c : expectedContent()) {
                if (patientRef != null && !c.finding().patient().equals(patientRef)) {
                    continue;
                }
                List<Shown> mine = shown.stream().filter(s -> s.finding().equals(c.finding())).toList();
                assertTrue(!mine.isEmpty(), this + ": no finding " + c.finding() + " to check what it carries");
                mine.forEach(s -> c.check(s, toString()));
            }
        }

        /** Every expected finding, sorted, duplicates kept. */
        public List<Finding> expectedFindings() {
            List<Finding> out = new ArrayList<>();
            expected().get("findings").forEach(f -> out.add(
                    new Finding(f.get("patient").asText(), f.get("rule").asText(), f.get("severity").asText())));
            return multiset(out);
        }

        /** The expected findings of one patient ({@code Patient/ID}), sorted, duplicates kept. */
        public List<Finding> expectedFindings(String patientRef) {
            return expectedFindings().stream().filter(f -> f.patient().equals(patientRef)).toList();
        }

        /** Fails unless {@code actual} holds exactly the expected findings, each as often. */
        public void assertFindings(Collection<Finding> actual) {
            assertEquals(expectedFindings(), multiset(actual), toString());
        }

        /** The name, and for a case of an added folder the folder too, so names may repeat across folders. */
        @Override
        public String toString() {
            return builtIn ? name : name + " [" + dir + "]";
        }
    }

    /** The case folders: the built-in one first, then those of {@value #EXTRA_DIRS} in order. */
    public static List<Path> dirs() {
        List<Path> dirs = new ArrayList<>();
        dirs.add(resolve(BUILT_IN));
        String extra = System.getProperty(EXTRA_DIRS, "");
        Arrays.stream(extra.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(GoldenCases::resolve).forEach(dirs::add);
        return dirs;
    }

    /** Every case of every folder, each folder checked for its minimum. */
    public static List<Case> all() {
        List<Case> out = new ArrayList<>();
        List<Path> dirs = dirs();
        for (int i = 0; i < dirs.size(); i++) {
            out.addAll(in(dirs.get(i), i == 0));
        }
        return out;
    }

    /** The built-in cases only. */
    public static List<Case> builtIn() {
        return in(resolve(BUILT_IN), true);
    }

    /** A built-in case by name: tests that need one particular chart name it. */
    public static Case named(String name) {
        Case c = new Case(resolve(BUILT_IN), name, true);
        assertTrue(Files.isRegularFile(c.bundlePath()), "no golden case " + c.bundlePath());
        return c;
    }

    /** {patient, rule, severity} of every DetectedIssue of an {@code $evaluate} answer, sorted, duplicates kept. */
    public static List<Finding> findingsOf(JsonNode evaluateAnswer) {
        assertEquals("collection", evaluateAnswer.get("type").asText(), "an $evaluate answer is a collection");
        List<Finding> out = new ArrayList<>();
        for (JsonNode entry : evaluateAnswer.path("entry")) {
            JsonNode r = entry.get("resource");
            if (!"DetectedIssue".equals(r.get("resourceType").asText())) {
                continue;
            }
            String rule = null;
            for (JsonNode c : r.get("code").get("coding")) {
                if ("https://e2guard.org/fhir/CodeSystem/rule".equals(c.get("system").asText())) {
                    rule = c.get("code").asText();
                }
            }
            if (rule == null) {
                fail("DetectedIssue without an e2guard rule coding: " + r);
            }
            out.add(new Finding(r.get("patient").get("reference").asText(), rule, r.get("severity").asText()));
        }
        return multiset(out);
    }

    /**
     * Every DetectedIssue of an {@code $evaluate} answer as shown: its actions (the
     * recommended-action extension), its summary (the first line of its detail) and its detail.
     */
    public static List<Shown> shownIn(JsonNode evaluateAnswer) {
        List<Shown> out = new ArrayList<>();
        for (JsonNode entry : evaluateAnswer.path("entry")) {
            JsonNode r = entry.get("resource");
            if ("DetectedIssue".equals(r.get("resourceType").asText())) {
                out.add(shownDetectedIssue(r));
            }
        }
        return out;
    }

    /** One DetectedIssue (JSON) as shown, wherever it was read from ({@code $evaluate}, the EHR). */
    public static Shown shownDetectedIssue(JsonNode r) {
        String rule = null;
        for (JsonNode c : r.get("code").get("coding")) {
            if (RULE_SYSTEM.equals(c.get("system").asText())) {
                rule = c.get("code").asText();
            }
        }
        Set<String> actions = new LinkedHashSet<>();
        for (JsonNode ext : r.path("extension")) {
            if (ACTION_EXTENSION.equals(ext.get("url").asText())) {
                ext.get("valueCodeableConcept").get("coding").forEach(c -> actions.add(c.get("code").asText()));
            }
        }
        String detail = r.path("detail").asText();
        return new Shown(new Finding(r.get("patient").get("reference").asText(), rule, r.get("severity").asText()),
                actions, detail.lines().findFirst().orElse(""), detail);
    }

    static final String RULE_SYSTEM = "https://e2guard.org/fhir/CodeSystem/rule";
    static final String ACTION_EXTENSION = "https://e2guard.org/fhir/StructureDefinition/recommended-action";

    /** Sorted with duplicates kept: two lists are equal when they hold the same findings equally often. */
    public static List<Finding> multiset(Collection<Finding> findings) {
        return findings.stream().sorted(Finding.ORDER).toList();
    }

    static List<Case> in(Path dir, boolean builtIn) {
        assertTrue(Files.isDirectory(dir), "golden case folder " + dir + " does not exist (" + EXTRA_DIRS + "?)");
        List<Case> cases;
        try (Stream<Path> files = Files.list(dir)) {
            cases = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(BUNDLE))
                    .map(n -> n.substring(0, n.length() - BUNDLE.length())).sorted()
                    .map(n -> new Case(dir, n, builtIn)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int min = builtIn ? MIN_BUILT_IN : MIN_EXTRA;
        assertTrue(cases.size() >= min, dir + " holds " + cases.size() + " golden case(s), expected at least " + min);
        for (Case c : cases) {
            assertTrue(Files.isRegularFile(dir.resolve(c.name() + EXPECTED)), "no " + c.name() + EXPECTED + " in " + dir);
        }
        return cases;
    }

    /** Relative to the project directory (surefire's basedir), whatever the working directory. */
    static Path resolve(String folder) {
        Path p = Path.of(folder);
        return p.isAbsolute() ? p : Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve(p).normalize();
    }
}
