package org.e2guard.evaluation.timeline;

import java.time.Instant;
import java.time.LocalDate;

/**
 * One DXA measurement: a BMD in g/cm2, or a T- or Z-score.
 *
 * @param site   the measured site; BMD comparisons are made only within one site
 * @param date   the scan date (a "DXA date" groups the measurements of one scan)
 */
public record DxaResult(String ref, Kind kind, Site site, LocalDate date, Instant time, double value, String reported)
        implements Timed {

    public enum Kind { BMD, T_SCORE, Z_SCORE }

    /** Skeletal regions, each with the least-significant-change setting that applies to it. */
    public enum Region {
        LUMBAR_SPINE("lumbar spine"), TOTAL_HIP("total hip"), FEMUR("femur/femoral neck");

        private final String label;

        Region(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public enum Laterality { UNSPECIFIED, LEFT, RIGHT }

    public record Site(Region region, Laterality laterality) {
        public String label() {
            return laterality == Laterality.UNSPECIFIED ? region.label()
                    : region.label() + ", " + laterality.name().toLowerCase();
        }
    }
}
