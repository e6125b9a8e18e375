package org.e2guard.mapping.output;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;

/**
 * How often each rule fired over a population, without a single patient identifier: the counts a
 * {@code MeasureReport} is built from ({@link RuleMeasureReport}) and the only thing merged when
 * several workers split a population (counts add, rates are recomputed, never averaged).
 *
 * <p>Strata are named dimensions of a finding ({@code severity} here; a later live statistic can add
 * {@code door} or {@code mode} without changing the report's shape). Mutable and not thread-safe:
 * one per worker, merged at the end.
 *
 * @see #add(List, boolean)
 */
public final class RuleCounts {
    /** One rule's numbers: patients with a finding of the rule, and the same split per stratum value. */
    public static final class PerRule {
        private long patients;
        private final Map<String, Map<String, Long>> strata = new TreeMap<>();

        public long patients() {
            return patients;
        }

        /** Stratifier name to value to patients, e.g. {@code severity -> high -> 12}. */
        public Map<String, Map<String, Long>> strata() {
            return Collections.unmodifiableMap(strata);
        }

        public long stratum(String stratifier, String value) {
            return strata.getOrDefault(stratifier, Map.of()).getOrDefault(value, 0L);
        }

        void add(long n, Map<String, String> dimensions) {
            patients += n;
            dimensions.forEach((k, v) -> strata.computeIfAbsent(k, x -> new TreeMap<>()).merge(v, n, Long::sum));
        }

        void patientsAdd(long n) {
            patients += n;
        }

        void strataAdd(String stratifier, String value, long n) {
            strata.computeIfAbsent(stratifier, x -> new TreeMap<>()).merge(value, n, Long::sum);
        }

        void addAll(PerRule other) {
            patients += other.patients;
            other.strata.forEach((k, values) -> values.forEach(
                    (v, n) -> strata.computeIfAbsent(k, x -> new TreeMap<>()).merge(v, n, Long::sum)));
        }
    }

    public static final String SEVERITY = "severity";
    public static final String DOOR = "door";
    public static final String MODE = "mode";
    /** Card events of a rule: card-shown, accepted, overridden. */
    public static final String OUTCOME = "outcome";
    public static final String OVERRIDE_REASON = "override-reason";

    private long evaluated;
    private long population;
    private long withHigh;
    private final EnumMap<Rule, PerRule> rules = new EnumMap<>(Rule.class);

    public RuleCounts() {
        for (Rule r : Rule.values()) {
            rules.put(r, new PerRule());
        }
    }

    /**
     * Counts one evaluated patient.
     *
     * @param inPopulation whether the patient belongs to the population the rates are per (on an
     *                     aromatase inhibitor at the evaluation instant)
     */
    public RuleCounts add(List<Finding> findings, boolean inPopulation) {
        evaluated++;
        if (!inPopulation) {
            return this;
        }
        population++;
        boolean high = false;
        for (Finding f : findings) {
            rules.get(f.rule()).add(1, Map.of(SEVERITY, f.severity().code()));
            high |= f.severity() == org.e2guard.engine.Severity.HIGH;
        }
        if (high) {
            withHigh++;
        }
        return this;
    }

    /**
     * Adds live evaluations (the rule statistics): there the rates are per 1,000 evaluations, so
     * every evaluated patient is in the population.
     */
    public RuleCounts addEvaluated(long n, long withHighSeverity) {
        evaluated += n;
        population += n;
        withHigh += withHighSeverity;
        return this;
    }

    /** Adds {@code n} findings of a rule, each counted once in every stratifier of {@code dimensions}. */
    public RuleCounts addFindings(Rule rule, long n, Map<String, String> dimensions) {
        rules.get(rule).add(n, dimensions);
        return this;
    }

    /** Adds {@code n} to one stratum of a rule without counting findings (cards shown, feedback outcomes). */
    public RuleCounts addStratum(Rule rule, String stratifier, String value, long n) {
        rules.get(rule).strataAdd(stratifier, value, n);
        return this;
    }

    /** Sets counts read back from a report ({@link RuleMeasureReport#counts}). */
    RuleCounts set(long evaluated, long population, long withHigh) {
        this.evaluated = evaluated;
        this.population = population;
        this.withHigh = withHigh;
        return this;
    }

    public RuleCounts addAll(RuleCounts other) {
        evaluated += other.evaluated;
        population += other.population;
        withHigh += other.withHigh;
        other.rules.forEach((r, c) -> rules.get(r).addAll(c));
        return this;
    }

    /** Patients evaluated (FHIR initial-population). */
    public long evaluated() {
        return evaluated;
    }

    /** Patients on an aromatase inhibitor (FHIR denominator): what rates are per 1,000 of. */
    public long population() {
        return population;
    }

    /** Patients of the population with at least one high-severity finding. */
    public long withHigh() {
        return withHigh;
    }

    public PerRule rule(Rule rule) {
        return rules.get(rule);
    }

    /** Findings per 1,000 patients of the population, or 0 for an empty population. */
    public double per1000(long n) {
        return population == 0 ? 0 : n * 1000.0 / population;
    }
}
