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

    private static final java.util.regex.Pattern QUANTITY =
            java.util.regex.Pattern.compile("(<=|>=|<|>)?\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*(.*)");

    /**
     * A value for a reader: {@code "80 pmol/L (21.8 pg/mL)"} when the reported and canonical forms
     * differ, the canonical one alone when they are the same quantity written differently
     * ({@code "12.0 pg/mL"} and {@code "12 pg/mL"}; a score's UCUM unity unit {@code "-2.6 1"}
     * and {@code "-2.6"}), so that no value is shown twice.
     */
    public static String reportedAndCanonical(String reported, String canonical) {
        return reported.equals(canonical) || sameQuantity(reported, canonical) ? canonical
                : reported + " (" + canonical + ")";
    }

    static boolean sameQuantity(String a, String b) {
        java.util.regex.Matcher x = QUANTITY.matcher(a.trim());
        java.util.regex.Matcher y = QUANTITY.matcher(b.trim());
        if (!x.matches() || !y.matches()) {
            return false;
        }
        return java.util.Objects.equals(x.group(1), y.group(1))
                && new BigDecimal(x.group(2)).compareTo(new BigDecimal(y.group(2))) == 0
                && unit(x.group(3)).equals(unit(y.group(3)));
    }

    /** UCUM's unity "1" is how a dimensionless score is written; it is no unit to a reader. */
    private static String unit(String u) {
        String t = u.trim();
        return t.equals("1") ? "" : t;
    }

    /**
     * A value rounded as a person writes it ({@code decimals} places, more only where needed), never
     * to a figure that lands on the other side of, or on, a threshold it is not on: 19.97 pg/mL
     * beside a "below 20 pg/mL" finding reads "19.97", not "20.0", and a T-score of -2.46 reads
     * "-2.46", not "-2.5", which would be the osteoporosis range.
     */
    public static String rounded(double value, int decimals, double... thresholds) {
        if (Double.isNaN(value) || Double.isInfinite(value) || Math.abs(value) >= 1e9) {
            return format(value);
        }
        BigDecimal exact = BigDecimal.valueOf(value);
        for (int d = Math.max(0, decimals); d < decimals + 4; d++) {
            BigDecimal r = exact.setScale(d, RoundingMode.HALF_UP);
            boolean faithful = true;
            for (double t : thresholds) {
                faithful &= Integer.signum(r.compareTo(BigDecimal.valueOf(t))) == Integer.signum(exact.compareTo(BigDecimal.valueOf(t)));
            }
            if (faithful) {
                return r.toPlainString();
            }
        }
        return format(value);
    }

    /** A number as written, without trailing zeros ("14.0" is "14", "-2.60" is "-2.6"); text that is no number stays. */
    public static String plain(String number) {
        try {
            BigDecimal d = new BigDecimal(number.trim()).stripTrailingZeros();
            return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
        } catch (NumberFormatException e) {
            return number;
        }
    }
}
