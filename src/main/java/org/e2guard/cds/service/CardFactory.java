package org.e2guard.cds.service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.e2guard.cds.api.Card;
import org.e2guard.cds.api.CdsAction;
import org.e2guard.cds.api.Coding;
import org.e2guard.cds.api.Link;
import org.e2guard.cds.api.Source;
import org.e2guard.cds.api.Suggestion;
import org.e2guard.cds.config.CdsConfig;
import org.e2guard.engine.Action;
import org.e2guard.engine.Engine;
import org.e2guard.engine.Evaluation;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.engine.RuleParameters;
import org.e2guard.engine.Severity;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.mapping.output.DetailText;
import org.e2guard.timeline.DraftOrder;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.PatientRecord;
import org.hl7.fhir.r4.model.MedicationRequest;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Findings to CDS Hooks cards. One card per concern, not per rule, so that the clinician never
 * sees two cards telling the same story (docs/cds-hooks-2.0-notes.md, "Card merge policy"):
 * <ul>
 * <li>estradiol: E1, E2, E3, E4 (all read the same estradiol history);</li>
 * <li>bone density: B1, B2, B3 (the same DXA results);</li>
 * <li>DXA monitoring: M1, M2; vitamin D and calcium: M3, M4;</li>
 * <li>dose: D1;</li>
 * <li>order hooks: one card per reviewed aromatase inhibitor draft (O1). The first O1 card also
 * takes in the estradiol and dose cards, and the DXA-monitoring card when O1 itself asks for a
 * baseline DXA, because O1 restates exactly those facts for the order being placed.</li>
 * </ul>
 * A merged card takes its most severe member's indicator, its lead finding's summary (the O1
 * summary on order cards) and every member's detail. Each orderable test is suggested on one card
 * only (order cards first, then by severity), and never when the ordering session already holds a
 * draft for it.
 */
@ApplicationScoped
public class CardFactory {
    public static final String OVERRIDE_REASON_SYSTEM = Canonical.BASE + "/CodeSystem/cds-override-reason";
    /** Card extension: the findings a card stands for, as {rule, id, severity}. */
    public static final String EXT_FINDINGS = "org.e2guard.findings";
    public static final String EXT_RULESET = "org.e2guard.ruleset-version";

    static final List<Coding> OVERRIDE_REASONS = List.of(
            new Coding(OVERRIDE_REASON_SYSTEM, "already-addressed", "Already addressed (ordered or done elsewhere)"),
            new Coding(OVERRIDE_REASON_SYSTEM, "therapy-appropriate", "Current therapy is appropriate for this patient"),
            new Coding(OVERRIDE_REASON_SYSTEM, "patient-declined", "Patient declined"),
            new Coding(OVERRIDE_REASON_SYSTEM, "data-out-of-date", "The data shown is incomplete or out of date"),
            new Coding(OVERRIDE_REASON_SYSTEM, "not-applicable", "Not applicable to this patient"));

    private static final String DETAIL_SEPARATOR = "\n\n---\n\n";

    /** The concern a rule speaks to; findings of one concern share a card. */
    enum Concern { ORDER, ESTRADIOL, BONE_DENSITY, DXA_MONITORING, VITAMIN_D_CALCIUM, DOSE }

    static Concern concern(Rule r) {
        return switch (r) {
            case E1, E2, E3, E4 -> Concern.ESTRADIOL;
            case B1, B2, B3 -> Concern.BONE_DENSITY;
            case M1, M2 -> Concern.DXA_MONITORING;
            case M3, M4 -> Concern.VITAMIN_D_CALCIUM;
            case D1 -> Concern.DOSE;
            case O1 -> Concern.ORDER;
        };
    }

    /**
     * One evaluation of the patient: without an order (patient-view), or with one AI draft under
     * review. {@code record} is the timeline the evaluation read (null when not at hand), for what
     * the findings state only in words, such as whether the estradiol O1 judged is suppressed.
     */
    public record Reviewed(Evaluation evaluation, DraftOrder order, MedicationRequest draft, PatientRecord record) {
        public Reviewed(Evaluation evaluation, DraftOrder order, MedicationRequest draft) {
            this(evaluation, order, draft, null);
        }
    }

    /** A card in the making: its findings (lead first) and the tests it will suggest. */
    static final class Group {
        final Concern concern;
        final Reviewed order;
        final List<Finding> members = new ArrayList<>();
        final List<Orderable> tests = new ArrayList<>();

        Group(Concern concern, Reviewed order) {
            this.concern = concern;
            this.order = order;
        }

        Finding lead() {
            return members.get(0);
        }

        Severity severity() {
            Severity s = Severity.LOW;
            for (Finding f : members) {
                s = Severity.mostSevere(s, f.severity());
            }
            return s;
        }
    }

    private final SuggestionResources resources;
    private final RuleParameters parameters;
    private final Optional<String> smartApp;

    public CardFactory(SuggestionResources resources, RulesConfig rules, CdsConfig config) {
        this.resources = resources;
        this.parameters = rules.toParameters();
        this.smartApp = config.smartAppUrl();
    }

    /**
     * @param reviewed one evaluation per reviewed draft (order hooks), or the single one of patient-view
     * @param drafted  tests already drafted in the ordering session, not suggested again
     */
    public List<Card> cards(HookCall call, List<Reviewed> reviewed, Set<Orderable> drafted) {
        if (reviewed.isEmpty()) {
            return List.of();
        }
        List<Group> groups = group(reviewed);
        assignTests(groups, drafted);
        List<Card> cards = new ArrayList<>(groups.size());
        for (Group g : groups) {
            cards.add(card(call, g));
        }
        return cards;
    }

    static List<Group> group(List<Reviewed> reviewed) {
        Map<Concern, Group> byConcern = new EnumMap<>(Concern.class);
        List<Group> orders = new ArrayList<>();
        // patient-level findings are the same in every evaluation of one call: take them once
        for (Finding f : reviewed.get(0).evaluation().findings()) {
            if (f.rule() != Rule.O1) {
                byConcern.computeIfAbsent(concern(f.rule()), c -> new Group(c, null)).members.add(f);
            }
        }
        for (Reviewed r : reviewed) {
            for (Finding f : r.evaluation().findings()) {
                if (f.rule() == Rule.O1) {
                    Group g = new Group(Concern.ORDER, r);
                    g.members.add(f);
                    orders.add(g);
                }
            }
        }
        if (!orders.isEmpty()) {
            Group first = orders.get(0);
            absorb(first, byConcern.remove(Concern.ESTRADIOL));
            absorb(first, byConcern.remove(Concern.DOSE));
            if (first.lead().actions().contains(Action.ORDER_DXA)) {
                absorb(first, byConcern.remove(Concern.DXA_MONITORING));
            }
        }
        List<Group> out = new ArrayList<>(orders);
        out.addAll(byConcern.values());
        // most severe first; order cards first among equals (stable sort)
        out.sort(Comparator.comparing(Group::severity));
        return out;
    }

    private static void absorb(Group into, Group other) {
        if (other != null) {
            into.members.addAll(other.members);
        }
    }

    /** Each orderable test goes on one card only: order cards first, then in card order. */
    private static void assignTests(List<Group> groups, Set<Orderable> drafted) {
        Set<Orderable> claimed = new HashSet<>(drafted);
        List<Group> ordered = new ArrayList<>(groups);
        ordered.sort(Comparator.comparing(g -> g.concern == Concern.ORDER ? 0 : 1));
        for (Group g : ordered) {
            Set<Orderable> mine = new LinkedHashSet<>();
            for (Finding f : g.members) {
                for (Action a : f.actions()) {
                    Orderable o = Orderable.of(a);
                    if (o != null && !claimed.contains(o)) {
                        mine.add(o);
                    }
                }
            }
            claimed.addAll(mine);
            g.tests.addAll(mine);
        }
    }

    private Card card(HookCall call, Group g) {
        Finding lead = g.lead();
        List<Suggestion> suggestions = g.concern == Concern.ORDER ? orderSuggestions(call, g) : testSuggestions(call, g);
        String behavior = suggestions.isEmpty() ? null : g.concern == Concern.ORDER ? "at-most-one" : "any";

        StringBuilder detail = new StringBuilder(1024);
        for (Finding f : g.members) {
            if (!detail.isEmpty()) {
                detail.append(DETAIL_SEPARATOR);
            }
            // the lead's summary is the card's: a reader sees it once, the other members' open their parts
            detail.append(f == lead ? DetailText.body(f) : DetailText.of(f));
        }

        Coding topic = new Coding(Canonical.RULE_SYSTEM, lead.rule().code(), lead.rule().title());
        Source source = lead.sources().isEmpty()
                ? new Source("e2guard ruleset " + lead.rulesetVersion(), Canonical.ruleDocumentation(lead.rule().code()),
                        null, topic)
                : new Source(lead.sources().get(0).label(), lead.sources().get(0).url(), null, topic);

        Set<Rule> rules = new LinkedHashSet<>();
        List<Map<String, String>> findings = new ArrayList<>(g.members.size());
        for (Finding f : g.members) {
            rules.add(f.rule());
            Map<String, String> m = new LinkedHashMap<>();
            m.put("rule", f.rule().code());
            m.put("id", f.rule().id());
            m.put("severity", f.severity().code());
            findings.add(m);
        }
        List<Link> links = new ArrayList<>();
        for (Rule r : rules) {
            links.add(new Link("e2guard rule " + r.id() + " " + r.code() + ": " + r.title(),
                    Canonical.ruleDocumentation(r.code()), "absolute", null));
        }
        smartApp.ifPresent(url -> links.add(new Link("Open e2guard", url, "smart",
                "{\"rules\":[" + String.join(",", rules.stream().map(r -> "\"" + r.code() + "\"").toList()) + "]}")));

        Map<String, Object> extension = new LinkedHashMap<>();
        extension.put(EXT_FINDINGS, findings);
        extension.put(EXT_RULESET, Engine.RULESET_VERSION);

        return new Card(uuid(), lead.summary(), detail.toString(), indicator(g.severity()),
                source, suggestions, behavior, OVERRIDE_REASONS, links, extension);
    }

    /**
     * A random (version 4) UUID for a card or suggestion. Uniqueness is all the specification
     * asks of these (they are not secrets), so the fast per-thread generator is used rather than
     * SecureRandom, which showed up as a hot spot under load.
     */
    static String uuid() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    static String indicator(Severity s) {
        return switch (s) {
            case HIGH -> "critical";
            case MODERATE -> "warning";
            case LOW -> "info";
        };
    }

    /** One suggestion per test; any number may be accepted. */
    private List<Suggestion> testSuggestions(HookCall call, Group g) {
        List<Suggestion> out = new ArrayList<>(g.tests.size());
        for (Orderable o : g.tests) {
            out.add(new Suggestion(o.action().display(), uuid(), null,
                    List.of(resources.createServiceRequest(o, call.patientId(), call.userId(), because(g, o)))));
        }
        return out;
    }

    /**
     * The alternatives for the order under review, of which the clinician picks at most one:
     * change the draft to the suggested dose (when its dose is above the typical range), remove the
     * draft (when estradiol or the dose argues against it), or keep it and order the tests first.
     * The tests the card recommends go with each alternative, so every suggestion is a whole plan.
     * Removing the draft is the recommended alternative when estradiol is already suppressed;
     * otherwise, for a dose above the typical range, the lower dose is.
     */
    private List<Suggestion> orderSuggestions(HookCall call, Group g) {
        Finding o1 = g.lead();
        DraftOrder order = g.order.order();
        MedicationRequest draft = g.order.draft();
        String draftId = draft == null ? null : draft.getIdElement().getIdPart();
        boolean addressable = draftId != null;
        // RULES.md 1.2 §5: the draft itself is changed or removed only for a patient on testosterone
        // therapy, where the AI holds estradiol down off-label; otherwise it is cancer therapy, and the
        // card keeps to the tests (O1 then never recommends a dose review)
        boolean onTrt = o1.actions().contains(Action.REVIEW_AI_DOSE);
        boolean doseHigh = onTrt && order.ingredient() == Ingredient.ANASTROZOLE
                && parameters.anastrozoleAboveTypical(order.dose());
        boolean estradiolConcern = onTrt
                && (!o1.evidence().isEmpty() || o1.actions().contains(Action.ORDER_SENSITIVE_ESTRADIOL));
        // estradiol already below the bone-protective threshold: E1/E3 fired (on the AI already), or
        // the estradiol O1 cites is (a new start; O1's severity alone cannot tell when the dose is
        // high too), or, without the timeline, O1 is high for a reason other than the dose
        boolean suppressed = g.order.evaluation().findings().stream().anyMatch(f -> f.rule() == Rule.E1 || f.rule() == Rule.E3)
                || citesSuppressedEstradiol(o1, g.order.record())
                || (!doseHigh && o1.severity() == Severity.HIGH);
        String drug = order.ingredient() == Ingredient.AROMATASE_INHIBITOR_UNSPECIFIED ? "aromatase inhibitor"
                : order.ingredient().label();

        List<String> names = g.tests.stream().map(Orderable::shortName).toList();
        String tests = join(names);
        // the same test orders go with every plan: encode them once
        List<CdsAction> testActions = testActions(call, g);
        List<Suggestion> out = new ArrayList<>(3);
        if (addressable && doseHigh) {
            List<CdsAction> actions = new ArrayList<>();
            actions.add(resources.updateDose(draft, parameters.suggestedDoseMg(), parameters.suggestedDosesPerWeek()));
            actions.addAll(testActions);
            String label = "Change to " + SuggestionResources.doseText(parameters.suggestedDoseMg(),
                    parameters.suggestedDosesPerWeek()) + (names.isEmpty() ? "" : " and order " + tests);
            out.add(new Suggestion(label, uuid(), suppressed ? null : Boolean.TRUE, actions));
        }
        if (addressable && (doseHigh || estradiolConcern)) {
            List<CdsAction> actions = new ArrayList<>();
            actions.add(resources.delete("MedicationRequest/" + draftId, drug));
            actions.addAll(testActions);
            String label = "Remove the " + drug + " order" + (names.isEmpty() ? "" : " and order " + tests + " first");
            out.add(new Suggestion(label, uuid(), suppressed ? Boolean.TRUE : null, actions));
        }
        if (!names.isEmpty()) {
            String label = (out.isEmpty() ? "Order " : "Keep the " + drug + " order as drafted and order ") + tests;
            out.add(new Suggestion(label, uuid(), null, testActions));
        }
        return out;
    }

    private boolean citesSuppressedEstradiol(Finding o1, PatientRecord record) {
        if (record == null) {
            return false;
        }
        for (LabResult l : record.labs(LabConcept.ESTRADIOL)) {
            if (o1.evidence().contains(l.ref()) && l.canonical().certainlyBelow(parameters.estradiolSuppressedBelow())) {
                return true;
            }
        }
        return false;
    }

    private List<CdsAction> testActions(HookCall call, Group g) {
        List<CdsAction> out = new ArrayList<>(g.tests.size());
        for (Orderable o : g.tests) {
            out.add(resources.createServiceRequest(o, call.patientId(), call.userId(), because(g, o)));
        }
        return out;
    }

    /** The rules of a card that recommend a test (the ServiceRequest's reasons). */
    private static List<Rule> because(Group g, Orderable o) {
        Set<Rule> out = new LinkedHashSet<>();
        for (Finding f : g.members) {
            if (f.actions().contains(o.action())) {
                out.add(f.rule());
            }
        }
        return List.copyOf(out);
    }

    private static String join(List<String> names) {
        if (names.size() <= 1) {
            return names.isEmpty() ? "" : names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }
}
