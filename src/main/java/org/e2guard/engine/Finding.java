package org.e2guard.engine;

import java.time.Instant;
import java.util.List;

/**
 * What a rule found for one patient: everything a clinician or auditor needs to trace it back to
 * the rule, its ruleset version, the threshold used and the evidence.
 *
 * @param summary    one line, at most 140 characters, free of patient identifiers
 * @param values     the values the rule looked at, as reported and in the other unit
 * @param threshold  the threshold that fired, as configured, e.g. {@code "< 20 pg/mL (73.4 pmol/L)"}
 * @param window     the time window the rule looked at (null when the rule has none)
 * @param evidence   references to the Observations and Conditions behind the finding
 * @param implicated references to the medication resources the finding is about
 * @param notes      further sentences for the detail (assay caveats, context, name-only matches)
 */
public record Finding(Rule rule, Severity severity, String patientRef, String rulesetVersion, String summary,
                      List<Observed> values, String threshold, Window window, List<String> evidence,
                      List<String> implicated, List<Action> actions, List<Source> sources, List<String> notes) {

    /** RULES.md §5: a one-line summary of at most 140 characters. */
    public static final int SUMMARY_MAX = 140;

    public Finding {
        if (summary.length() > SUMMARY_MAX) {
            throw new IllegalArgumentException("summary longer than 140 characters: " + summary);
        }
        values = List.copyOf(values);
        evidence = List.copyOf(evidence);
        implicated = List.copyOf(implicated);
        actions = List.copyOf(actions);
        sources = List.copyOf(sources);
        notes = List.copyOf(notes);
    }

    /**
     * A value a rule read, as a person reads it: as the source reported it, with the other unit in
     * brackets where there is one ({@code "80 pmol/L (21.8 pg/mL)"}), each figure once.
     */
    public record Observed(String label, String text, Instant time, String ref) {
    }

    /** The period a rule looked back over; {@code description} says it in words ("last 180 days"). */
    public record Window(Instant start, Instant end, String description) {
    }
}
