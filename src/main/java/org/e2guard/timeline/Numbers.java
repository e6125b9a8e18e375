package org.e2guard.timeline;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Number formatting for human-readable detail text: up to 3 significant decimals, no trailing zeros. */
public final class Numbers {
    private Numbers() {
    }

    public static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.toString(value);
        }
        if (Math.abs(value) >= 1e9) {
            // no plausible clinical value is this large: keep it short (4 significant digits,
            // scientific) so that a nonsense input cannot push a summary past its length limit
            return BigDecimal.valueOf(value).round(new MathContext(4)).stripTrailingZeros().toString();
        }
        if (value == Math.rint(value)) {
            return Long.toString((long) value);
        }
        BigDecimal d = BigDecimal.valueOf(value).setScale(Math.abs(value) >= 100 ? 1 : 3, RoundingMode.HALF_UP)
                .stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }
}
