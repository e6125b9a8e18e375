package org.e2guard.writeback;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.e2guard.engine.Rule;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.DxaScan;
import org.e2guard.timeline.Exposure;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.PatientRecord;
import org.e2guard.timeline.Timed;

/**
 * Says, for a DetectedIssue's mitigation, why a finding no longer fires: the re-evaluation time
 * and the facts the rule now sees, e.g. "No longer fires on re-evaluation at
 * 2026-11-23T14:00:00Z: latest estradiol 26 pg/mL (2026-11-20)."
 */
public final class ResolutionText {
    private ResolutionText() {
    }

    public static String of(Rule rule, PatientRecord record, Instant at) {
        String head = "No longer fires on re-evaluation at " + at.truncatedTo(ChronoUnit.SECONDS);
        if (record == null) {
            return head + ".";
        }
        if (record.deceasedBy(at)) {
            // RULES.md §1: a deceased patient is not evaluated, so every open finding resolves for that reason
            return head + ": patient deceased.";
        }
        boolean onAi = record.exposures(Ingredient.DrugClass.AROMATASE_INHIBITOR).stream().anyMatch(Exposure::current);
        String facts = switch (rule.family()) {
            case ESTRADIOL -> latestLab(record, LabConcept.ESTRADIOL);
            case BONE -> latestDxa(record);
            case MONITORING -> switch (rule) {
                case M1, M2 -> latestDxa(record);
                case M3 -> latestLab(record, LabConcept.VITAMIN_D) + "; " + latestLab(record, LabConcept.CALCIUM);
                default -> latestLab(record, LabConcept.VITAMIN_D);
            };
            case DOSE -> currentAnastrozole(record);
            case ORDER -> "the order is no longer a draft";
        };
        return head + ": " + facts + (onAi ? "" : "; no current aromatase inhibitor on record") + ".";
    }

    private static String latestLab(PatientRecord record, LabConcept concept) {
        Optional<LabResult> latest = record.labs(concept).stream().max(Timed.CHRONOLOGICAL);
        return latest.map(l -> "latest " + concept.label() + " " + l.readable() + " on " + date(l.time()))
                .orElse("no " + concept.label() + " on record");
    }

    private static String latestDxa(PatientRecord record) {
        return Stream.concat(record.dxa().stream().map(DxaResult::date), record.scans().stream().map(DxaScan::date))
                .max(Comparator.naturalOrder()).map(d -> "newest DXA " + d).orElse("no DXA on record");
    }

    private static String currentAnastrozole(PatientRecord record) {
        List<Exposure> current = record.exposures().stream()
                .filter(e -> e.ingredient() == Ingredient.ANASTROZOLE && e.current() && e.dose() != null).toList();
        return current.isEmpty() ? "no current anastrozole dose on record"
                : "current anastrozole " + current.get(current.size() - 1).dose().text();
    }

    private static String date(Instant t) {
        return t.toString().substring(0, 10);
    }
}
