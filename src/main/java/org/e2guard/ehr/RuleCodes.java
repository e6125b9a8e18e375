package org.e2guard.ehr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.e2guard.mapping.terminology.CodeLists;
import org.e2guard.mapping.terminology.Terminology;
import org.hl7.fhir.r4.model.Coding;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The codes e2guard names in EHR subscriptions and searches, taken from the loaded value sets (so
 * a deployment's extra codes are subscribed to and fetched too). Which value sets matter is fixed
 * by the rules; the codes are not copied here.
 */
@ApplicationScoped
public class RuleCodes {

    /** Observations whose change can change a finding: estradiol, DXA, 25-OH vitamin D, calcium. */
    static final List<String> SUBSCRIBED_OBSERVATIONS = List.of("estradiol-standard", "estradiol-sensitive",
            "dxa-bmd", "dxa-t-score", "dxa-z-score", "dxa-report", "vitamin-d-total", "vitamin-d3-proxy", "calcium-serum",
            "calcium-blood");

    /** Every Observation the rules read, including context that enriches a finding. */
    static final List<String> READ_OBSERVATIONS = List.of("estradiol-standard", "estradiol-sensitive",
            "testosterone-total", "testosterone-free", "shbg", "vitamin-d-total", "vitamin-d3-proxy", "calcium-serum",
            "calcium-blood",
            "pth", "p1np", "ctx", "bone-alkaline-phosphatase", "hdl", "hematocrit", "dxa-bmd", "dxa-t-score",
            "dxa-z-score", "dxa-report", "low-estradiol-symptoms", "fragility-fracture", "condition-osteoporosis",
            "condition-osteopenia", "condition-hypogonadism", "condition-fracture-risk", "smoking", "smoking-status",
            "alcohol-excess");

    private final List<Coding> subscribed;
    private final List<Coding> read;
    private final List<Coding> dxaReports;
    private final List<Coding> dxaProcedures;

    public RuleCodes(Terminology terminology) {
        CodeLists codes = terminology.codeLists();
        this.subscribed = union(codes, SUBSCRIBED_OBSERVATIONS);
        this.read = union(codes, READ_OBSERVATIONS);
        this.dxaReports = union(codes, List.of("dxa-report"));
        this.dxaProcedures = union(codes, List.of("dxa-procedure"));
    }

    private static List<Coding> union(CodeLists codes, List<String> valueSets) {
        Map<String, Coding> out = new LinkedHashMap<>();
        for (String vs : valueSets) {
            for (Coding c : codes.codes(vs)) {
                out.putIfAbsent(c.getSystem() + "|" + c.getCode(), c);
            }
        }
        return List.copyOf(out.values());
    }

    /** Observation codes in e2guard's Subscription criteria and catch-up sync. */
    public List<Coding> subscribedObservations() {
        return subscribed;
    }

    /** Observation codes fetched for an evaluation. */
    public List<Coding> readObservations() {
        return read;
    }

    /** DiagnosticReport codes of a DXA report (results are fetched with it). */
    public List<Coding> dxaReports() {
        return dxaReports;
    }

    /** Procedure codes of a bone densitometry: subscribed, synced and fetched (a scan on record counts for M1/M2). */
    public List<Coding> dxaProcedures() {
        return dxaProcedures;
    }

    /** Codes per search, keeping each URL well under common 8 KB limits. */
    public static final int CODES_PER_SEARCH = 40;

    /** The codes in groups of {@link #CODES_PER_SEARCH}, one search each (at least one group). */
    public static List<List<Coding>> chunks(List<Coding> codes) {
        List<List<Coding>> out = new java.util.ArrayList<>();
        for (int i = 0; i < codes.size(); i += CODES_PER_SEARCH) {
            out.add(codes.subList(i, Math.min(codes.size(), i + CODES_PER_SEARCH)));
        }
        return out;
    }

    /** A token search value {@code system|code,system|code,...}. */
    public static String tokens(List<Coding> codes) {
        StringBuilder sb = new StringBuilder();
        for (Coding c : codes) {
            sb.append(sb.isEmpty() ? "" : ",").append(c.getSystem()).append('|').append(c.getCode());
        }
        return sb.toString();
    }
}
