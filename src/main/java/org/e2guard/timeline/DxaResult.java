package org.e2guard.timeline;

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

    /**
     * Skeletal regions. The forearm classifies (B1/B2) but is never compared over time (B3 reads
     * spine, hip and femur only, the sites with a least significant change in RULES.md).
     */
    public enum Region {
        LUMBAR_SPINE("lumbar spine", true), TOTAL_HIP("total hip", true), FEMUR("femur/femoral neck", true),
        FOREARM("forearm", false);

        private final String label;
        private final boolean trended;

        Region(String label, boolean trended) {
            this.label = label;
            this.trended = trended;
        }

        public String label() {
            return label;
        }

        /** Whether B3 compares BMD at this region over time. */
        public boolean trended() {
            return trended;
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
