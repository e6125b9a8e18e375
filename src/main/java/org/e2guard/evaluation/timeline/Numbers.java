package org.e2guard.evaluation.timeline;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Number formatting for human-readable detail text: up to 3 significant decimals, no trailing zeros. */
public final class Numbers {
    private Numbers() {
    }

    public static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.toString(value);
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        BigDecimal d = BigDecimal.valueOf(value).setScale(Math.abs(value) >= 100 ? 1 : 3, RoundingMode.HALF_UP)
                .stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }
}
