package org.e2guard.cds.service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.e2guard.engine.Engine;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.ValueSet;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The three services of discovery and their prefetch templates. The Observation and
 * DiagnosticReport code lists are taken from the same ValueSets the rules load (published ones
 * plus a deployment's {@code e2guard.terminology.extra-value-sets}), so a code added for the rules
 * is also asked for in prefetch; there is no second copy of the codes here.
 */
@ApplicationScoped
public class CdsCatalog {
    private static final Logger LOG = Logger.getLogger(CdsCatalog.class);

    /** Observation prefetch keys and the value sets whose codes each one asks for. */
    static final Map<String, List<String>> OBSERVATION_KEYS = new LinkedHashMap<>();

    static {
        OBSERVATION_KEYS.put("estradiol", List.of("estradiol-standard", "estradiol-sensitive"));
        // a DXA panel Observation (coded as the report, 38269-7) carries its scores as components
        OBSERVATION_KEYS.put("dxa", List.of("dxa-bmd", "dxa-t-score", "dxa-z-score", "dxa-report"));
        OBSERVATION_KEYS.put("vitaminDCalcium", List.of("vitamin-d-total", "vitamin-d3-proxy", "calcium-serum", "calcium-blood"));
        OBSERVATION_KEYS.put("boneTurnover", List.of("ctx", "p1np"));
        OBSERVATION_KEYS.put("riskObservations",
                List.of("low-estradiol-symptoms", "fragility-fracture", "smoking", "smoking-status", "alcohol-excess"));
    }

    private static final String USAGE = "Reads the listed prefetch, or whatever is missing from fhirServer with "
            + "fhirAuthorization (read access to the patient's Patient, MedicationStatement, MedicationRequest, "
            + "MedicationAdministration, Medication, Observation, DiagnosticReport, Procedure and Condition); with neither the call is answered 412. "
            + "Calls must carry a JWT from a trusted issuer. Decision support only: it never diagnoses or doses.";

    private final Map<String, CdsService> byId = new LinkedHashMap<>();

    @Inject
    public CdsCatalog(FhirContext ctx,
                      @ConfigProperty(name = "e2guard.terminology.extra-value-sets") Optional<Path> extra) {
        this(ValueSetLoader.load(ctx.newJsonParser(), extra.orElse(null)));
    }

    public CdsCatalog(List<ValueSet> valueSets) {
        List<PrefetchQuery> prefetch = prefetch(valueSets);
        String ruleset = " (e2guard ruleset " + Engine.RULESET_VERSION + ")";
        add(new CdsService("e2guard-patient-view", Hook.PATIENT_VIEW,
                "e2guard: bone safety on aromatase inhibitors",
                "Checks a patient on an aromatase inhibitor (anastrozole, letrozole, exemestane) for suppressed "
                        + "estradiol in men on testosterone therapy, bone density in the osteopenia or osteoporosis "
                        + "range or falling, a missing or overdue DXA, overdue or low 25-OH vitamin D and calcium, "
                        + "and an anastrozole dose above the typical TRT range" + ruleset + ".",
                USAGE, prefetch));
        add(new CdsService("e2guard-order-select", Hook.ORDER_SELECT,
                "e2guard: aromatase inhibitor order review (select)",
                "Reviews an aromatase inhibitor as it is selected for ordering (rule O1): estradiol already low or "
                        + "not measured recently, no DXA on record, an anastrozole dose above the typical TRT range; "
                        + "suggests a lower dose, removing the draft, or the tests to order first. Only the selected "
                        + "draft MedicationRequests are reviewed; other orders get no cards" + ruleset + ".",
                USAGE, prefetch));
        add(new CdsService("e2guard-order-sign", Hook.ORDER_SIGN,
                "e2guard: aromatase inhibitor order review (sign)",
                "Reviews every draft aromatase inhibitor MedicationRequest when orders are signed (rule O1), "
                        + "with the patient's bone-safety findings; orders of other drugs get no cards" + ruleset + ".",
                USAGE, prefetch));
    }

    private void add(CdsService s) {
        byId.put(s.id(), s);
    }

    public List<CdsService> services() {
        return List.copyOf(byId.values());
    }

    public Optional<CdsService> service(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * Everything the rules read. Medications and Conditions are asked for without a code filter on
     * purpose: drugs are also recognised by an ATC class prefix and, as a fallback, by name
     * (RULES.md §1), and fractures by the word "fracture" in the text (TERMINOLOGY.md) — none of
     * which a token search can express.
     */
    static List<PrefetchQuery> prefetch(List<ValueSet> valueSets) {
        Map<String, ValueSet> byName = new LinkedHashMap<>();
        for (ValueSet vs : valueSets) {
            byName.put(vs.getUrl().substring(vs.getUrl().lastIndexOf('/') + 1), vs);
        }
        List<PrefetchQuery> out = new ArrayList<>();
        out.add(PrefetchQuery.read("patient", "Patient"));
        out.add(PrefetchQuery.search("medicationStatements", "MedicationStatement", null));
        out.add(PrefetchQuery.search("medicationRequests", "MedicationRequest", null));
        // RULES.md §1 counts administrations as exposure too: a course known only from them must read the same here
        out.add(PrefetchQuery.search("medicationAdministrations", "MedicationAdministration", null));
        for (Map.Entry<String, List<String>> e : OBSERVATION_KEYS.entrySet()) {
            out.add(PrefetchQuery.search(e.getKey(), "Observation", codings(byName, e.getValue())));
            if (e.getKey().equals("dxa")) {
                out.add(PrefetchQuery.search("dxaReports", "DiagnosticReport", codings(byName, List.of("dxa-report"))));
                out.add(PrefetchQuery.search("dxaProcedures", "Procedure", codings(byName, List.of("dxa-procedure"))));
            }
        }
        out.add(PrefetchQuery.search("conditions", "Condition", null));
        return List.copyOf(out);
    }

    /** {@code system|code} of every enumerated concept of the named value sets, without repeats. */
    static List<String> codings(Map<String, ValueSet> byName, List<String> names) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : names) {
            ValueSet vs = byName.get(name);
            if (vs == null) {
                throw new IllegalStateException("value set " + name + " is not loaded");
            }
            for (ValueSet.ConceptSetComponent include : vs.getCompose().getInclude()) {
                for (ValueSet.ConceptReferenceComponent c : include.getConcept()) {
                    out.add(include.getSystem() + "|" + c.getCode());
                }
                if (include.hasFilter()) {
                    LOG.warnf("Value set %s has a filter, which a prefetch code list cannot express; its filtered codes are not prefetched", name);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("value sets " + names + " list no codes");
        }
        return List.copyOf(out);
    }
}
