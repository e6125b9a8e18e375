package org.e2guard.engine;

import java.util.EnumMap;
import java.util.Map;

/** Every rule's {@link RuleMode}; a rule not named is {@link RuleMode#ACTIVE}. */
public record RuleModes(Map<Rule, RuleMode> modes) {
    public static final RuleModes ALL_ACTIVE = new RuleModes(Map.of());

    public RuleModes {
        EnumMap<Rule, RuleMode> copy = new EnumMap<>(Rule.class);
        copy.putAll(modes);
        modes = Map.copyOf(copy);
    }

    public RuleMode of(Rule rule) {
        return modes.getOrDefault(rule, RuleMode.ACTIVE);
    }

    public boolean active(Finding f) {
        return of(f.rule()) == RuleMode.ACTIVE;
    }

    public boolean silent(Finding f) {
        return of(f.rule()) == RuleMode.SILENT;
    }
}
