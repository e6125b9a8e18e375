package org.e2guard.cds.service;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.e2guard.cds.api.Card;
import org.e2guard.cds.api.CdsResponse;
import org.e2guard.engine.Evaluation;
import org.e2guard.engine.Finding;
import org.e2guard.evaluation.RuleStatistics;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.mapping.record.PatientGroup;
import org.e2guard.mapping.record.PatientGrouper;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.timeline.DraftOrder;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.PatientRecord;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.jboss.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * A hook call from request to cards: validate, find the drafts to review (order hooks), collect
 * the patient's data (prefetch, then fhirServer), evaluate through {@link EvaluationService} (the
 * one path every door takes) and turn the findings into cards.
 */
@ApplicationScoped
public class HookService {
    private static final Logger LOG = Logger.getLogger(HookService.class);
    public static final String DOOR = "cds";

    private final HookCallParser parser;
    private final PatientDataCollector collector;
    private final EvaluationService evaluation;
    private final CardFactory cards;
    private final IssuedCards issued;
    private final Terminology terminology;
    private final RuleStatistics statistics;

    public HookService(HookCallParser parser, PatientDataCollector collector, EvaluationService evaluation,
                       CardFactory cards, IssuedCards issued, Terminology terminology, RuleStatistics statistics) {
        this.statistics = statistics;
        this.parser = parser;
        this.collector = collector;
        this.evaluation = evaluation;
        this.cards = cards;
        this.issued = issued;
        this.terminology = terminology;
    }

    public CdsResponse call(CdsService service, byte[] body) {
        HookCall call = parser.parse(service, body);
        List<MedicationRequest> candidates = List.of();
        List<Bundle.BundleEntryComponent> draftEntries = List.of();
        if (service.hook().ordering()) {
            draftEntries = call.draftOrders().getEntry();
            candidates = candidates(call);
            if (candidates.isEmpty()) {
                // no aromatase inhibitor among the orders under review: nothing for e2guard to say here
                LOG.debugf("%s: no aromatase inhibitor draft under review", service.id());
                return new CdsResponse(List.of());
            }
        }
        PatientDataCollector.Collected data = collector.collect(call, draftEntries);
        ResourceIndex index = data.index();
        PatientGroup group = groupOf(index, call.patientRef());

        List<CardFactory.Reviewed> reviewed = new ArrayList<>();
        if (!service.hook().ordering()) {
            reviewed.add(new CardFactory.Reviewed(evaluation.evaluate(group, index, call.asOf(), null, DOOR), null, null));
        } else {
            // the same timeline the evaluations read; the cards need a fact O1 states only in words
            PatientRecord record = evaluation.mapper().map(group, index).record();
            for (MedicationRequest draft : candidates) {
                Optional<DraftOrder> order = evaluation.mapper().draftOrder(draft, index, refOf(draft, index));
                if (order.isEmpty() || order.get().ingredient().drugClass() != Ingredient.DrugClass.AROMATASE_INHIBITOR) {
                    continue;
                }
                Evaluation e = evaluation.evaluate(group, index, call.asOf(), order.get(), DOOR);
                reviewed.add(new CardFactory.Reviewed(e, order.get(), draft, record));
            }
        }
        List<Card> out = cards.cards(call, reviewed.stream().map(this::shownOnly).toList(), drafted(call));
        issued.remember(service.id(), out);
        statistics.cardsShown(DOOR, shown(out));
        return new CdsResponse(out);
    }

    /** Only active rules become cards: a silent rule's finding is evaluated and counted, never shown. */
    private CardFactory.Reviewed shownOnly(CardFactory.Reviewed r) {
        Evaluation e = r.evaluation();
        List<Finding> active = e.findings().stream().filter(evaluation.modes()::active).toList();
        if (active.size() == e.findings().size()) {
            return r;
        }
        return new CardFactory.Reviewed(new Evaluation(e.patientRef(), e.asOf(), e.rulesetVersion(), active, e.notices()),
                r.order(), r.draft(), r.record());
    }

    /** The findings the cards stand for, as rule and severity codes. */
    @SuppressWarnings("unchecked")
    private static List<RuleStatistics.Shown> shown(List<Card> out) {
        List<RuleStatistics.Shown> shown = new ArrayList<>();
        for (Card c : out) {
            Object findings = c.extension() == null ? null : c.extension().get(CardFactory.EXT_FINDINGS);
            if (findings instanceof List<?> list) {
                for (Object f : list) {
                    Map<String, String> m = (Map<String, String>) f;
                    shown.add(new RuleStatistics.Shown(m.get("rule"), m.get("severity")));
                }
            }
        }
        return shown;
    }

    /**
     * The draft MedicationRequests to review: those of the patient (order-select: only the
     * selected ones) that are an aromatase inhibitor, or whose medication is a reference that only
     * the collected data can resolve.
     */
    private List<MedicationRequest> candidates(HookCall call) {
        ResourceIndex drafts = ResourceIndex.of(call.draftOrders());
        List<MedicationRequest> out = new ArrayList<>();
        for (Bundle.BundleEntryComponent e : call.draftOrders().getEntry()) {
            if (!(e.getResource() instanceof MedicationRequest mr)) {
                continue;
            }
            String ref = refOf(mr, drafts);
            if (call.selections() != null && !call.selections().contains(ref)) {
                continue;
            }
            if (mr.hasSubject() && mr.getSubject().hasReference()
                    && !ResourceIndex.typeAndId(mr.getSubject().getReference()).equals(call.patientRef())
                    && !mr.getSubject().getReference().startsWith("urn:")) {
                continue; // a draft for someone else is not this call's business
            }
            Optional<DraftOrder> order = evaluation.mapper().draftOrder(mr, drafts, ref);
            boolean ai = order.isPresent() && order.get().ingredient().drugClass() == Ingredient.DrugClass.AROMATASE_INHIBITOR;
            boolean unresolved = order.isEmpty() && mr.getMedication() instanceof Reference r
                    && drafts.resolve(r, mr) == null;
            if (ai || unresolved) {
                out.add(mr);
            }
        }
        return out;
    }

    /** Tests already drafted in this ordering session (any draft ServiceRequest of the same test). */
    private Set<Orderable> drafted(HookCall call) {
        Set<Orderable> out = EnumSet.noneOf(Orderable.class);
        if (call.draftOrders() == null) {
            return out;
        }
        for (Bundle.BundleEntryComponent e : call.draftOrders().getEntry()) {
            if (e.getResource() instanceof ServiceRequest sr && sr.hasCode()) {
                Set<String> in = terminology.memberships(sr.getCode());
                for (Orderable o : Orderable.values()) {
                    if (o.valueSets().stream().anyMatch(in::contains)
                            || sr.getCode().getCoding().stream().anyMatch(c -> o.loinc().equals(c.getCode())
                            && SuggestionResources.LOINC.equals(c.getSystem()))) {
                        out.add(o);
                    }
                }
            }
        }
        return out;
    }

    private static String refOf(MedicationRequest mr, ResourceIndex index) {
        String id = mr.getIdElement().getIdPart();
        return id != null ? "MedicationRequest/" + id : index.refOf(mr);
    }

    private static PatientGroup groupOf(ResourceIndex index, String patientRef) {
        for (PatientGroup g : PatientGrouper.group(index).groups()) {
            if (g.patientRef().equals(patientRef)) {
                return g;
            }
        }
        return new PatientGroup(patientRef, null, List.of());
    }
}
