package org.e2guard.engine;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.LabResult;

/** Collects a finding's parts; evidence and actions keep their first-seen order without repeats. */
final class FindingBuilder {
    private final Rule rule;
    private Severity severity;
    private final String patientRef;
    private final String rulesetVersion;
    private String summary;
    private final List<Finding.Observed> values = new ArrayList<>();
    private String threshold = "";
    private Finding.Window window;
    private final Set<String> evidence = new LinkedHashSet<>();
    private final Set<String> implicated = new LinkedHashSet<>();
    private final Set<Action> actions = new LinkedHashSet<>();
    private final Set<Source> sources = new LinkedHashSet<>();
    private final Set<String> notes = new LinkedHashSet<>();

    FindingBuilder(Rule rule, Severity severity, String patientRef, String rulesetVersion) {
        this.rule = rule;
        this.severity = severity;
        this.patientRef = patientRef;
        this.rulesetVersion = rulesetVersion;
    }

    FindingBuilder summary(String summary) {
        this.summary = summary;
        return this;
    }

    FindingBuilder atLeast(Severity s) {
        this.severity = Severity.mostSevere(this.severity, s);
        return this;
    }

    /** A lab value; {@code thresholds} (canonical unit) keep its converted figure from being rounded across one. */
    FindingBuilder value(String label, LabResult l, double... thresholds) {
        values.add(new Finding.Observed(label, l.readable(thresholds), l.time(), l.ref()));
        evidence.add(l.ref());
        return this;
    }

    /** A DXA value exactly as reported: a BMD with its unit, a score as a bare number. */
    FindingBuilder value(String label, DxaResult d) {
        values.add(new Finding.Observed(label, d.reported(), d.time(), d.ref()));
        evidence.add(d.ref());
        return this;
    }

    /** A value of a medication record (a dose), as reported and in the unit compared when that differs. */
    FindingBuilder value(String label, String reported, String canonical, String ref) {
        values.add(new Finding.Observed(label, org.e2guard.timeline.Numbers.reportedAndCanonical(reported, canonical), null, ref));
        if (ref != null) {
            implicated.add(ref);
        }
        return this;
    }

    FindingBuilder threshold(String threshold) {
        this.threshold = threshold;
        return this;
    }

    FindingBuilder window(java.time.Instant start, java.time.Instant end, String description) {
        this.window = new Finding.Window(start, end, description);
        return this;
    }

    FindingBuilder evidence(String ref) {
        evidence.add(ref);
        return this;
    }

    FindingBuilder implicated(List<String> refs) {
        implicated.addAll(refs);
        return this;
    }

    FindingBuilder actions(Action... as) {
        actions.addAll(List.of(as));
        return this;
    }

    FindingBuilder actions(List<Action> as) {
        actions.addAll(as);
        return this;
    }

    FindingBuilder sources(Source... ss) {
        sources.addAll(List.of(ss));
        return this;
    }

    FindingBuilder note(String note) {
        notes.add(note);
        return this;
    }

    Severity severity() {
        return severity;
    }

    Rule rule() {
        return rule;
    }

    Finding build() {
        // the summary is built from input values; shorten rather than fail on an odd one
        String summary = this.summary.length() <= Finding.SUMMARY_MAX ? this.summary
                : this.summary.substring(0, Finding.SUMMARY_MAX - 3) + "...";
        return new Finding(rule, severity, patientRef, rulesetVersion, summary, values, threshold, window,
                List.copyOf(evidence), List.copyOf(implicated), List.copyOf(actions), List.copyOf(sources),
                List.copyOf(notes));
    }
}
