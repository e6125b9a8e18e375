package org.e2guard.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.e2guard.timeline.Exposure;

/**
 * A continuous run of exposure to one drug class: records whose gaps are shorter than the
 * configured join gap (RULES.md §1) form one run.
 *
 * @param end     the last day of exposure; the evaluation time while the run is ongoing
 * @param ongoing some record of the run is current (active, intended, on-hold)
 */
public record ExposureRun(Instant start, Instant end, boolean ongoing, List<Exposure> members) {

    public ExposureRun {
        members = List.copyOf(members);
    }

    public boolean contains(Instant t) {
        return !t.isBefore(start) && !t.isAfter(end);
    }

    public long daysSinceStart(Instant asOf) {
        return Duration.between(start, asOf).toDays();
    }

    /**
     * The run the patient is in at {@code asOf}, or recently left: null when there is none, or when
     * it ended more than {@code recentDays} before {@code asOf}. Records starting after {@code asOf}
     * have not happened yet and are left out.
     */
    public static ExposureRun current(List<Exposure> exposures, Instant asOf, int joinGapDays, int recentDays) {
        List<Exposure> started = exposures.stream()
                .filter(e -> !e.start().isAfter(asOf))
                .sorted(Comparator.comparing(Exposure::start))
                .toList();
        if (started.isEmpty()) {
            return null;
        }
        Instant runStart = null;
        Instant runEnd = null;
        boolean ongoing = false;
        List<Exposure> members = new ArrayList<>();
        for (Exposure e : started) {
            Instant end = endOf(e, asOf);
            if (runEnd != null && Duration.between(runEnd, e.start()).toDays() >= joinGapDays) {
                runStart = null;
                members.clear();
                ongoing = false;
            }
            if (runStart == null) {
                runStart = e.start();
                runEnd = end;
            } else if (end.isAfter(runEnd)) {
                runEnd = end;
            }
            ongoing |= e.current();
            members.add(e);
        }
        if (!ongoing && Duration.between(runEnd, asOf).toDays() > recentDays) {
            return null;
        }
        return new ExposureRun(runStart, ongoing ? asOf : runEnd, ongoing, members);
    }

    private static Instant endOf(Exposure e, Instant asOf) {
        if (e.current() || (e.end() != null && e.end().isAfter(asOf))) {
            return asOf;
        }
        // a finished record with no end date was at least taken on its start date
        return e.end() == null ? e.start() : e.end();
    }
}
