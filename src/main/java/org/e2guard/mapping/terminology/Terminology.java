package org.e2guard.mapping.terminology;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;

/**
 * What a code means to the rules. The codes come from the value sets ({@link CodeLists}); which
 * value set stands for which concept is fixed here, because the rules are written against it.
 */
public final class Terminology {

    public record LabMatch(LabConcept concept, boolean sensitive, boolean proxy) {
    }

    public record DxaMatch(DxaResult.Kind kind, DxaResult.Site site) {
    }

    public record DrugMatch(Ingredient ingredient, boolean byName) {
    }

    public record ContextMatch(ClinicalContext.Kind kind, String label) {
    }

    private static final Map<String, LabMatch> LABS = Map.ofEntries(
            Map.entry("estradiol-standard", new LabMatch(LabConcept.ESTRADIOL, false, false)),
            Map.entry("estradiol-sensitive", new LabMatch(LabConcept.ESTRADIOL, true, false)),
            Map.entry("testosterone-total", new LabMatch(LabConcept.TESTOSTERONE_TOTAL, false, false)),
            Map.entry("testosterone-free", new LabMatch(LabConcept.TESTOSTERONE_FREE, false, false)),
            Map.entry("shbg", new LabMatch(LabConcept.SHBG, false, false)),
            Map.entry("vitamin-d-total", new LabMatch(LabConcept.VITAMIN_D, false, false)),
            Map.entry("vitamin-d3-proxy", new LabMatch(LabConcept.VITAMIN_D, false, true)),
            Map.entry("calcium-serum", new LabMatch(LabConcept.CALCIUM, false, false)),
            Map.entry("calcium-blood", new LabMatch(LabConcept.CALCIUM, false, false)),
            Map.entry("pth", new LabMatch(LabConcept.PTH, false, false)),
            Map.entry("p1np", new LabMatch(LabConcept.P1NP, false, false)),
            Map.entry("ctx", new LabMatch(LabConcept.CTX, false, false)),
            Map.entry("bone-alkaline-phosphatase", new LabMatch(LabConcept.BONE_ALP, false, false)),
            Map.entry("hdl", new LabMatch(LabConcept.HDL, false, false)),
            Map.entry("hematocrit", new LabMatch(LabConcept.HEMATOCRIT, false, false)));

    /** Order matters: a specific ingredient wins over the class. */
    private static final List<Map.Entry<String, Ingredient>> DRUGS = List.of(
            Map.entry("anastrozole", Ingredient.ANASTROZOLE),
            Map.entry("letrozole", Ingredient.LETROZOLE),
            Map.entry("exemestane", Ingredient.EXEMESTANE),
            Map.entry("aromatase-inhibitor-class", Ingredient.AROMATASE_INHIBITOR_UNSPECIFIED),
            Map.entry("testosterone-products", Ingredient.TESTOSTERONE),
            Map.entry("glucocorticoids", Ingredient.GLUCOCORTICOID));

    /**
     * Fallback names (ingredient and common brand), matched as whole words in display or text;
     * testosterone as any name containing it (RULES.md §1: "an ingredient name containing
     * 'testosterone'", e.g. methyltestosterone).
     */
    private static final List<Map.Entry<Pattern, Ingredient>> DRUG_NAMES = Stream.of(
                    Map.entry("\\banastrozole\\b", Ingredient.ANASTROZOLE),
                    Map.entry("\\barimidex\\b", Ingredient.ANASTROZOLE),
                    Map.entry("\\bletrozole\\b", Ingredient.LETROZOLE),
                    Map.entry("\\bfemara\\b", Ingredient.LETROZOLE),
                    Map.entry("\\bexemestane\\b", Ingredient.EXEMESTANE),
                    Map.entry("\\baromasin\\b", Ingredient.EXEMESTANE),
                    Map.entry("testosterone", Ingredient.TESTOSTERONE))
            .map(e -> Map.entry(Pattern.compile(e.getKey(), Pattern.CASE_INSENSITIVE), e.getValue()))
            .toList();

    private static final List<Map.Entry<String, ClinicalContext.Kind>> CONTEXT = List.of(
            Map.entry("low-estradiol-symptoms", ClinicalContext.Kind.SYMPTOM),
            Map.entry("fragility-fracture", ClinicalContext.Kind.FRAGILITY_FRACTURE),
            Map.entry("condition-osteoporosis", ClinicalContext.Kind.OSTEOPOROSIS_DIAGNOSIS),
            Map.entry("condition-osteopenia", ClinicalContext.Kind.OSTEOPENIA_DIAGNOSIS),
            Map.entry("condition-hypogonadism", ClinicalContext.Kind.HYPOGONADISM),
            Map.entry("condition-fracture-risk", ClinicalContext.Kind.FRACTURE_RISK),
            Map.entry("smoking", ClinicalContext.Kind.SMOKING),
            Map.entry("alcohol-excess", ClinicalContext.Kind.ALCOHOL_EXCESS));

    private final CodeLists codes;

    public Terminology(CodeLists codes) {
        this.codes = codes;
    }

    /** The value sets a concept belongs to; compute once and pass to the lookups below. */
    public Set<String> memberships(CodeableConcept code) {
        return codes.memberships(code);
    }

    /** The names of the value sets loaded, for the readiness check. */
    public Set<String> valueSets() {
        return codes.valueSets();
    }

    /** The code lists behind this terminology (e.g. to name codes in an EHR search or subscription). */
    public CodeLists codeLists() {
        return codes;
    }

    public Optional<LabMatch> lab(CodeableConcept code) {
        return lab(codes.memberships(code));
    }

    public Optional<LabMatch> lab(Set<String> in) {
        // a sensitive code wins if a result carries both kinds of coding
        if (in.contains("estradiol-sensitive")) {
            return Optional.of(LABS.get("estradiol-sensitive"));
        }
        for (String name : in) {
            LabMatch m = LABS.get(name);
            if (m != null) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    public Optional<DxaMatch> dxa(CodeableConcept code) {
        return dxa(codes.memberships(code));
    }

    public Optional<DxaMatch> dxa(Set<String> in) {
        if (in.isEmpty()) {
            return Optional.empty();
        }
        DxaResult.Kind kind = in.contains("dxa-bmd") ? DxaResult.Kind.BMD
                : in.contains("dxa-t-score") ? DxaResult.Kind.T_SCORE
                : in.contains("dxa-z-score") ? DxaResult.Kind.Z_SCORE : null;
        DxaResult.Region region = in.contains("dxa-site-lumbar-spine") ? DxaResult.Region.LUMBAR_SPINE
                : in.contains("dxa-site-total-hip") ? DxaResult.Region.TOTAL_HIP
                : in.contains("dxa-site-femur") ? DxaResult.Region.FEMUR
                : in.contains("dxa-site-forearm") ? DxaResult.Region.FOREARM : null;
        if (kind == null || region == null) {
            return Optional.empty();
        }
        DxaResult.Laterality side = in.contains("dxa-side-left") ? DxaResult.Laterality.LEFT
                : in.contains("dxa-side-right") ? DxaResult.Laterality.RIGHT : DxaResult.Laterality.UNSPECIFIED;
        return Optional.of(new DxaMatch(kind, new DxaResult.Site(region, side)));
    }

    public boolean isDxaReport(CodeableConcept code) {
        return codes.contains("dxa-report", code);
    }

    /** A bone densitometry Procedure (SNOMED 312681000, CPT 77080/77081/77085). */
    public boolean isDxaProcedure(CodeableConcept code) {
        return codes.contains("dxa-procedure", code);
    }

    /** A smoking-status Observation (LOINC 72166-2): its value, not its code, says whether the patient smokes. */
    public boolean isSmokingStatus(Set<String> in) {
        return in.contains("smoking-status");
    }

    /** By code first; by name in {@code coding.display} or {@code text} only as a fallback. */
    public Optional<DrugMatch> drug(CodeableConcept code) {
        if (code == null) {
            return Optional.empty();
        }
        Set<String> in = codes.memberships(code);
        for (Map.Entry<String, Ingredient> e : DRUGS) {
            if (in.contains(e.getKey())) {
                return Optional.of(new DrugMatch(e.getValue(), false));
            }
        }
        StringBuilder names = new StringBuilder(code.getText() == null ? "" : code.getText());
        for (Coding c : code.getCoding()) {
            names.append(' ').append(c.getDisplay() == null ? "" : c.getDisplay());
        }
        for (Map.Entry<Pattern, Ingredient> e : DRUG_NAMES) {
            if (e.getKey().matcher(names).find()) {
                return Optional.of(new DrugMatch(e.getValue(), true));
            }
        }
        return Optional.empty();
    }

    public Optional<ContextMatch> context(CodeableConcept code) {
        return context(codes.memberships(code), code);
    }

    /** A Condition's context: by code, else (fracture only) by name. */
    public Optional<ContextMatch> context(Set<String> in, CodeableConcept code) {
        Optional<ContextMatch> byCode = contextByCode(in, code);
        if (byCode.isPresent()) {
            return byCode;
        }
        if (!codedInDiagnosisSystem(code) && namesBoneFracture(code)) {
            return Optional.of(new ContextMatch(ClinicalContext.Kind.FRAGILITY_FRACTURE, label(code)));
        }
        return Optional.empty();
    }

    /** SNOMED CT and ICD-10 (any national edition), by URI or OID. */
    private static final Pattern DIAGNOSIS_SYSTEM = Pattern.compile(
            "http://snomed\\.info/sct|http://hl7\\.org/fhir/sid/icd-10(-[a-z]+)?|urn:oid:2\\.16\\.840\\.1\\.113883\\.6\\.(96|90|3)",
            Pattern.CASE_INSENSITIVE);

    /**
     * RULES.md 1.2 §4: where a Condition carries a SNOMED CT or ICD-10 code, that code decides
     * whether it is a fragility fracture, so "Fracture of ankle" coded in SNOMED (an injury) is not
     * one; the name fallback is for conditions coded only locally, or not at all.
     */
    static boolean codedInDiagnosisSystem(CodeableConcept code) {
        return code != null && code.getCoding().stream()
                .anyMatch(c -> c.hasSystem() && c.hasCode() && DIAGNOSIS_SYSTEM.matcher(c.getSystem()).matches());
    }

    /**
     * Context by code alone, for Observations: the fracture name fallback is for a fracture "on record
     * (Condition)" (RULES.md §4); an Observation named after fractures is a risk score or a question
     * ("10-year probability of osteoporotic fracture", "History of fracture": No), not a fracture.
     */
    public Optional<ContextMatch> contextByCode(Set<String> in, CodeableConcept code) {
        for (Map.Entry<String, ClinicalContext.Kind> e : CONTEXT) {
            if (in.contains(e.getKey())) {
                return Optional.of(new ContextMatch(e.getValue(), label(code)));
            }
        }
        return Optional.empty();
    }

    private static final Pattern FRACTURE = Pattern.compile("fractur", Pattern.CASE_INSENSITIVE);
    /**
     * Words that make a "fracture" text not a bone fracture (TERMINOLOGY.md: never dental) or not a
     * fracture at all (a risk of one).
     */
    private static final Pattern NOT_BONE_FRACTURE = Pattern.compile(
            "\\b(tooth|teeth|dental|dentures?|fillings?|crowns?|enamel|prosthes[ie]s|risk)\\b", Pattern.CASE_INSENSITIVE);

    /**
     * The fallback for a fracture not coded in the fragility-fracture value set (RULES.md §4): a
     * text or display naming a bone fracture. Every name of the concept must pass, so a coding
     * displayed "Fractured dental filling" is never read as a bone fracture whatever its text says.
     */
    static boolean namesBoneFracture(CodeableConcept code) {
        if (code == null) {
            return false;
        }
        List<String> names = new ArrayList<>();
        if (code.hasText()) {
            names.add(code.getText());
        }
        for (Coding c : code.getCoding()) {
            if (c.hasDisplay()) {
                names.add(c.getDisplay());
            }
        }
        return names.stream().anyMatch(n -> FRACTURE.matcher(n).find())
                && names.stream().noneMatch(n -> NOT_BONE_FRACTURE.matcher(n).find());
    }

    /** A human label for a concept: its text, else the first display, else the first code. */
    static String label(CodeableConcept code) {
        if (code == null) {
            return "";
        }
        if (code.hasText()) {
            return code.getText();
        }
        for (Coding c : code.getCoding()) {
            if (c.hasDisplay()) {
                return c.getDisplay();
            }
        }
        return code.getCodingFirstRep().getCode() == null ? "" : code.getCodingFirstRep().getCode();
    }
}
