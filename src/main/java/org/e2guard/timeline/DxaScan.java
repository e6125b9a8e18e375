package org.e2guard.timeline;

import java.time.Instant;
import java.time.LocalDate;

/**
 * A DXA scan on record without (or besides) its numbers: a DXA DiagnosticReport or a completed
 * bone densitometry Procedure. It counts as "a DXA" for M1/M2 (RULES.md §4) but never decides
 * B1/B2, which need the scores themselves.
 */
public record DxaScan(String ref, Kind kind, LocalDate date, Instant time) implements Timed {

    public enum Kind {
        REPORT("DXA report"), PROCEDURE("bone densitometry procedure");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
