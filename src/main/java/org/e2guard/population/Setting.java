package org.e2guard.population;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.e2guard.engine.Rule;

/**
 * One column of a what-if sweep: rule settings that differ from the deployment's, by their
 * configuration keys ({@code estradiol.suppressed-below=15}, the keys of docs/CONFIGURATION.md
 * without the {@code e2guard.rules.} prefix), and rules left out altogether.
 *
 * @param name how the column is headed ("E1 < 15 pg/mL"); the deployment's own settings are {@link #BASELINE}
 */
public record Setting(String name, Map<String, String> overrides, Set<Rule> off) {
    public static final String BASELINE = "baseline";

    public Setting {
        overrides = Map.copyOf(overrides);
        off = Set.copyOf(off);
    }

    public static Setting baseline() {
        return new Setting(BASELINE, Map.of(), Set.of());
    }

    /** The findings this setting keeps. */
    public List<org.e2guard.engine.Finding> keep(List<org.e2guard.engine.Finding> findings) {
        return off.isEmpty() ? findings : findings.stream().filter(f -> !off.contains(f.rule())).toList();
    }
}
