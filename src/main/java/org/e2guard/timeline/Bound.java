package org.e2guard.timeline;

/**
 * A measured value that may be exact or only a bound ("<5 pg/mL" from an assay's limit).
 * Comparisons answer "is this settled?": a bound that could fall on either side of a threshold
 * settles nothing (RULES.md §3).
 */
public record Bound(double value, Comparator comparator) {

    public enum Comparator {
        EXACT(""), LT("<"), LE("<="), GT(">"), GE(">=");

        private final String symbol;

        Comparator(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public static Comparator fromFhir(String code) {
            if (code == null || code.isEmpty()) {
                return EXACT;
            }
            return switch (code) {
                case "<" -> LT;
                case "<=" -> LE;
                case ">" -> GT;
                case ">=" -> GE;
                default -> throw new IllegalArgumentException("unknown comparator " + code);
            };
        }
    }

    public static Bound exact(double value) {
        return new Bound(value, Comparator.EXACT);
    }

    public boolean isExact() {
        return comparator == Comparator.EXACT;
    }

    /** True when the true value is certainly below {@code threshold}. */
    public boolean certainlyBelow(double threshold) {
        return switch (comparator) {
            case EXACT, LE -> value < threshold;
            case LT -> value <= threshold;
            case GT, GE -> false;
        };
    }

    /** True when the true value is certainly at or above {@code threshold}. */
    public boolean certainlyAtLeast(double threshold) {
        return switch (comparator) {
            case EXACT, GE, GT -> value >= threshold;
            case LT, LE -> false;
        };
    }

    /** True when the value lies certainly in {@code [low, high)}. */
    public boolean certainlyWithin(double low, double high) {
        return certainlyAtLeast(low) && certainlyBelow(high);
    }

    public Bound scaled(double factor) {
        return new Bound(value * factor, comparator);
    }

    @Override
    public String toString() {
        return comparator.symbol() + Numbers.format(value);
    }
}
