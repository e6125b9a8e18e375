package org.e2guard.mapping.output;

import java.util.List;

import org.e2guard.engine.Action;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Source;

/**
 * The human-readable detail of a finding (Markdown): values as reported and in the other unit,
 * the threshold, the window, notes, recommended actions and sources. DetectedIssue.detail and the
 * CDS card detail share it, so the two never tell different stories.
 */
public final class DetailText {
    private DetailText() {
    }

    /** The whole detail, opening with the summary: a DetectedIssue's, or a finding's part of a card. */
    public static String of(Finding f) {
        return f.summary() + "\n\n" + body(f);
    }

    /**
     * The detail without its opening summary, for where the summary is already shown above it (the
     * lead finding of a CDS card, whose summary is the card's).
     */
    public static String body(Finding f) {
        StringBuilder sb = new StringBuilder(512);
        for (Finding.Observed v : f.values()) {
            sb.append("- ").append(v.label()).append(": ").append(v.text());
            if (v.time() != null) {
                sb.append(", ").append(FindingResources.date(v.time()));
            }
            sb.append('\n');
        }
        sb.append("- Threshold: ").append(f.threshold()).append('\n');
        if (f.window() != null) {
            String start = FindingResources.date(f.window().start());
            String end = FindingResources.date(f.window().end());
            sb.append("- Window: ").append(f.window().description());
            // a one-day window (the newest DXA) already names its date: "(2023-06-11 to 2023-06-11)" said it thrice
            if (!start.equals(end)) {
                sb.append(" (").append(start).append(" to ").append(end).append(')');
            } else if (!f.window().description().contains(start)) {
                sb.append(" (").append(start).append(')');
            }
            sb.append('\n');
        }
        for (String note : f.notes()) {
            sb.append("\n").append(note).append('\n');
        }
        if (!f.actions().isEmpty()) {
            sb.append("\nRecommended actions:\n");
            for (Action a : f.actions()) {
                sb.append("- ").append(a.display()).append('\n');
            }
        }
        List<Source> sources = f.sources();
        if (!sources.isEmpty()) {
            sb.append("\nSources:\n");
            for (Source s : sources) {
                sb.append("- ").append(s.label()).append(": ").append(s.url()).append('\n');
            }
        }
        sb.append("\nRule ").append(f.rule().id()).append(' ').append(f.rule().code())
                .append(", e2guard ruleset ").append(f.rulesetVersion()).append('.');
        return sb.toString();
    }
}
