package org.e2guard.mapping.terminology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * The code lists the rules read, built from FHIR ValueSet resources so that a deployment can
 * extend them without a rebuild. Membership is by exact system and code; an {@code is-a} filter
 * on ATC (a hierarchical code) matches by prefix, the only hierarchy that can be judged offline.
 */
public final class CodeLists {
    static final String ATC = "http://www.whocc.no/atc";

    /** system to code to the names (last URL segment) of the value sets holding it. */
    private final Map<String, Map<String, Set<String>>> bySystem = new HashMap<>();
    private final List<PrefixRule> prefixes = new ArrayList<>();
    /** Names of the loaded value sets (what the readiness check verifies). */
    private final Set<String> valueSets = new HashSet<>();
    /** Value set name to its enumerated codes, in load order (what an EHR search or subscription can name). */
    private final Map<String, List<Coding>> byValueSet = new HashMap<>();

    private record PrefixRule(String system, String prefix, String valueSet) {
    }

    public CodeLists(List<ValueSet> valueSets) {
        for (ValueSet vs : valueSets) {
            add(vs);
        }
    }

    private void add(ValueSet vs) {
        String name = nameOf(vs.getUrl());
        valueSets.add(name);
        for (ValueSet.ConceptSetComponent include : vs.getCompose().getInclude()) {
            String system = include.getSystem();
            for (ValueSet.ConceptReferenceComponent c : include.getConcept()) {
                bySystem.computeIfAbsent(system, k -> new HashMap<>()).computeIfAbsent(c.getCode(), k -> new HashSet<>())
                        .add(name);
                byValueSet.computeIfAbsent(name, k -> new ArrayList<>()).add(new Coding(system, c.getCode(), null));
            }
            for (ValueSet.ConceptSetFilterComponent f : include.getFilter()) {
                if (ATC.equals(system) && f.getOp() == ValueSet.FilterOperator.ISA) {
                    prefixes.add(new PrefixRule(system, f.getValue(), name));
                } else {
                    throw new IllegalArgumentException("ValueSet " + vs.getUrl() + ": only is-a filters on ATC can be evaluated offline");
                }
            }
        }
    }

    /** The names (last URL segment) of every value set loaded. */
    public Set<String> valueSets() {
        return Set.copyOf(valueSets);
    }

    static String nameOf(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** The names of every value set that holds any coding of the concept. */
    public Set<String> memberships(CodeableConcept concept) {
        if (concept == null || !concept.hasCoding()) {
            return Set.of();
        }
        // the common case, one matching coding, returns the shared set without copying
        Set<String> single = null;
        Set<String> merged = null;
        for (Coding coding : concept.getCoding()) {
            String system = coding.getSystem();
            String code = coding.getCode();
            if (system == null || code == null) {
                continue;
            }
            Map<String, Set<String>> codes = bySystem.get(system);
            Set<String> hit = codes == null ? null : codes.get(code);
            if (ATC.equals(system)) {
                for (PrefixRule p : prefixes) {
                    if (code.startsWith(p.prefix)) {
                        hit = hit == null ? new HashSet<>() : new HashSet<>(hit);
                        hit.add(p.valueSet);
                    }
                }
            }
            if (hit == null) {
                continue;
            }
            if (single == null && merged == null) {
                single = hit;
            } else {
                if (merged == null) {
                    merged = new HashSet<>(single);
                }
                merged.addAll(hit);
            }
        }
        return merged != null ? merged : single != null ? single : Set.of();
    }

    /**
     * The enumerated codes of a value set (system and code), including any a deployment added.
     * Hierarchical (is-a) includes cannot be enumerated offline and are left out.
     */
    public List<Coding> codes(String valueSet) {
        return byValueSet.getOrDefault(valueSet, List.of()).stream().map(Coding::copy).toList();
    }

    public boolean contains(String valueSet, CodeableConcept concept) {
        return memberships(concept).contains(valueSet);
    }
}
