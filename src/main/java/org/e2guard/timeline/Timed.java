package org.e2guard.timeline;

import java.time.Instant;
import java.util.Comparator;

/** Something that happened at an instant; "latest" orders by time, then by issued. */
public interface Timed {
    Instant time();

    default Instant issued() {
        return null;
    }

    Comparator<Timed> CHRONOLOGICAL = Comparator.comparing(Timed::time)
            .thenComparing(Timed::issued, Comparator.nullsFirst(Comparator.naturalOrder()));
}
