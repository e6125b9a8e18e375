package org.e2guard.engine;

/**
 * How a deployment lets a rule speak: deployment policy, not clinical logic, so the engine
 * evaluates every rule the same way and the mode is applied where findings leave the service.
 */
public enum RuleMode {
    /** The finding is returned, shown as a card and written back to the EHR. */
    ACTIVE,
    /** The finding is evaluated, counted and returned by $evaluate (tagged), but never a card or a write-back. */
    SILENT,
    /** The finding is dropped after evaluation: not returned, counted, shown nor written. */
    OFF;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
