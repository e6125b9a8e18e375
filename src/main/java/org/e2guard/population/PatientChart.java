package org.e2guard.population;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.e2guard.engine.Finding;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.DxaScan;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.PatientRecord;

/**
 * What a reviewer needs to judge one listed patient's findings at a glance: the estradiol series,
 * T-scores per site, aromatase-inhibitor exposure with its weekly dose, and the dates of DXA,
 * vitamin D and calcium, as the rules read them (canonical units). The report draws it as a
 * timeline. It is patient data: it lives in the dry run's output directory, behind the API key,
 * never in logs or statistics.
 */
public record PatientChart(String patient, List<String> findings, List<Point> estradiol, List<SitePoint> tScores,
                           List<Span> aromataseInhibitor, List<LocalDate> dxa, List<LocalDate> vitaminD,
                           List<LocalDate> calcium) {

    /** @param comparator "" for an exact value, else the bound ("<" for "below the assay's limit") */
    public record Point(LocalDate date, double value, String comparator) {
    }

    public record SitePoint(LocalDate date, String site, double value) {
    }

    /** @param end null while ongoing at the evaluation instant; mgPerWeek null when not computable */
    public record Span(LocalDate start, LocalDate end, String drug, Double mgPerWeek) {
    }

    static PatientChart of(PatientRecord record, List<Finding> findings, Instant asOf) {
        List<Point> e2 = new ArrayList<>();
        List<LocalDate> vitD = new ArrayList<>();
        List<LocalDate> ca = new ArrayList<>();
        for (LabResult l : record.labs()) {
            if (l.time().isAfter(asOf)) {
                continue;
            }
            if (l.concept() == LabConcept.ESTRADIOL) {
                e2.add(new Point(date(l.time()), l.canonical().value(), l.canonical().comparator().symbol()));
            } else if (l.concept() == LabConcept.VITAMIN_D) {
                vitD.add(date(l.time()));
            } else if (l.concept() == LabConcept.CALCIUM) {
                ca.add(date(l.time()));
            }
        }
        List<SitePoint> t = record.dxa().stream().filter(d -> d.kind() == DxaResult.Kind.T_SCORE && !d.time().isAfter(asOf))
                .map(d -> new SitePoint(d.date(), d.site().region().label(), d.value())).toList();
        List<LocalDate> dxa = new ArrayList<>();
        record.scans().stream().filter(s -> !s.time().isAfter(asOf)).map(DxaScan::date).forEach(dxa::add);
        record.dxa().stream().filter(d -> !d.time().isAfter(asOf)).map(DxaResult::date).forEach(dxa::add);
        List<Span> ai = record.exposures(Ingredient.DrugClass.AROMATASE_INHIBITOR).stream()
                .filter(x -> !x.start().isAfter(asOf))
                // a finished record without an end date (Synthea's stopped AI orders) ends on its start date, as the
                // rules read it (ExposureRun): "to now" said a woman whose letrozole stopped years ago was still on it
                .map(x -> new Span(date(x.start()), x.current() || (x.end() != null && x.end().isAfter(asOf)) ? null
                        : date(x.end() == null ? x.start() : x.end()),
                        x.ingredient().label(), x.dose() == null ? null : x.dose().mgPerWeek()))
                .sorted(Comparator.comparing(Span::start)).toList();
        return new PatientChart(record.patientRef(),
                findings.stream().map(f -> f.rule().code() + " (" + f.severity().code() + ")").toList(),
                e2.stream().sorted(Comparator.comparing(Point::date)).toList(),
                t.stream().sorted(Comparator.comparing(SitePoint::date)).toList(), ai,
                dxa.stream().distinct().sorted().toList(), vitD.stream().distinct().sorted().toList(),
                ca.stream().distinct().sorted().toList());
    }

    private static LocalDate date(Instant t) {
        return t.atZone(ZoneOffset.UTC).toLocalDate();
    }
}
