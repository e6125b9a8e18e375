package org.e2guard.cds.service;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.e2guard.cds.api.Coding;
import org.e2guard.cds.api.FeedbackRequest;
import org.e2guard.cds.security.VerifiedClient;
import org.e2guard.evaluation.RuleStatistics;
import org.e2guard.fhir.FhirError;
import org.e2guard.platform.db.Jdbc;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * CDS Hooks 2.0 feedback: checked as a whole (any malformed item rejects the request with 400 and
 * stores nothing), then stored durably, one row per item, and counted in
 * {@code e2guard.cds.feedback{service,outcome}}. A re-sent item is stored and counted once.
 */
@ApplicationScoped
public class FeedbackService {
    private static final Logger LOG = Logger.getLogger(FeedbackService.class);
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    static final int MAX_ITEMS = 1000;
    static final int MAX_TEXT = 4000;

    private static final String INSERT = """
            INSERT INTO cds_feedback (service_id, card_uuid, outcome, accepted_suggestions, override_reason_system,
                override_reason_code, override_reason_display, user_comment, outcome_timestamp, card_rules,
                client_issuer, client_tenant)
            VALUES (?, ?::uuid, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT ON CONSTRAINT cds_feedback_once DO NOTHING""";

    private final ObjectMapper json;
    private final Jdbc db;
    private final MeterRegistry metrics;
    private final IssuedCards issued;

    public FeedbackService(ObjectMapper json, Jdbc db, MeterRegistry metrics, IssuedCards issued) {
        this.json = json;
        this.db = db;
        this.metrics = metrics;
        this.issued = issued;
    }

    /** A checked feedback item with its parsed time. */
    record Item(FeedbackRequest.Feedback feedback, Instant at) {
    }

    /** Checks and stores; returns the number of items newly stored. */
    public int receive(CdsService service, byte[] body, VerifiedClient client) {
        List<Item> items = parse(body);
        List<String> outcomes;
        List<String[]> counted = new ArrayList<>();
        try {
            // all items or none: a failure half-way leaves nothing stored, so the EHR can simply re-send
            outcomes = db.inTransaction(h -> {
                List<String> inserted = new ArrayList<>();
                for (Item item : items) {
                    FeedbackRequest.Feedback f = item.feedback();
                    List<String> accepted = f.acceptedSuggestions() == null ? List.of()
                            : f.acceptedSuggestions().stream().map(FeedbackRequest.AcceptedSuggestion::id).toList();
                    Coding reason = f.overrideReason() == null ? null : f.overrideReason().reason();
                    String card = f.card().toLowerCase();
                    String rules = issued.recall(card).map(IssuedCards.Memo::rules).orElse(null);
                    int n = h.update(INSERT, service.id(), card, f.outcome(), Jdbc.textArray(accepted),
                            reason == null ? null : reason.system(),
                            reason == null ? null : reason.code(),
                            reason == null ? null : reason.display(),
                            f.overrideReason() == null ? null : f.overrideReason().userComment(),
                            item.at(),
                            rules,
                            client == null ? null : client.issuer(),
                            client == null ? null : client.tenant());
                    if (n == 1) {
                        inserted.add(f.outcome());
                        // the rule statistics take rule, outcome and reason code only: no card id, comment or client
                        List<String> ruleCodes = rules == null || rules.isEmpty() ? List.of() : List.of(rules.split(","));
                        RuleStatistics.feedback(h, item.at(), ruleCodes, f.outcome(),
                                reason == null || !CardFactory.OVERRIDE_REASON_SYSTEM.equals(reason.system()) ? null
                                        : reason.code());
                        ruleCodes.forEach(r -> counted.add(new String[] {r, f.outcome()}));
                    }
                }
                return inserted;
            });
        } catch (Jdbc.DbException e) {
            LOG.errorf("storing CDS feedback failed: SQLState %s", e.sqlState());
            throw new FhirError(503, OperationOutcome.IssueType.TRANSIENT,
                    "Feedback could not be stored; try again later", null);
        }
        for (String outcome : outcomes) {
            metrics.counter("e2guard.cds.feedback", "service", service.id(), "outcome", outcome).increment();
        }
        for (String[] ruleOutcome : counted) {
            metrics.counter("e2guard.rule.feedback", "rule", ruleOutcome[0], "outcome", ruleOutcome[1]).increment();
        }
        int stored = outcomes.size();
        LOG.debugf("stored %d of %d feedback items for %s", stored, items.size(), service.id());
        return stored;
    }

    List<Item> parse(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw FhirError.invalid("The body is not JSON", null);
        }
        if (root == null || !root.isObject() || !root.has("feedback") || !root.get("feedback").isArray()) {
            throw FhirError.invalid("The body must be an object with a 'feedback' array", "feedback");
        }
        JsonNode list = root.get("feedback");
        if (list.isEmpty() || list.size() > MAX_ITEMS) {
            throw FhirError.invalid("feedback must hold between 1 and " + MAX_ITEMS + " items", "feedback");
        }
        List<Item> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(item(list.get(i), "feedback[" + i + "]"));
        }
        return out;
    }

    private static Item item(JsonNode n, String at) {
        if (!n.isObject()) {
            throw FhirError.invalid(at + " must be an object", at);
        }
        String card = text(n, "card", at, true);
        if (!UUID.matcher(card).matches()) {
            throw FhirError.invalid(at + ".card must be the uuid of a card", at + ".card");
        }
        String outcome = text(n, "outcome", at, true);
        if (!outcome.equals("accepted") && !outcome.equals("overridden")) {
            throw FhirError.invalid(at + ".outcome must be 'accepted' or 'overridden'", at + ".outcome");
        }
        List<FeedbackRequest.AcceptedSuggestion> accepted = null;
        JsonNode as = n.get("acceptedSuggestions");
        if (outcome.equals("accepted")) {
            if (as == null || !as.isArray() || as.isEmpty()) {
                throw FhirError.invalid(at + ".acceptedSuggestions is required for an accepted outcome",
                        at + ".acceptedSuggestions");
            }
            accepted = new ArrayList<>(as.size());
            for (int i = 0; i < as.size(); i++) {
                JsonNode s = as.get(i);
                String where = at + ".acceptedSuggestions[" + i + "]";
                if (!s.isObject()) {
                    throw FhirError.invalid(where + " must be an object with an id", where);
                }
                accepted.add(new FeedbackRequest.AcceptedSuggestion(text(s, "id", where, true)));
            }
        } else if (as != null) {
            throw FhirError.invalid(at + ".acceptedSuggestions belongs to an accepted outcome only",
                    at + ".acceptedSuggestions");
        }
        FeedbackRequest.OverrideReason reason = null;
        JsonNode or = n.get("overrideReason");
        if (or != null) {
            if (!outcome.equals("overridden")) {
                throw FhirError.invalid(at + ".overrideReason belongs to an overridden outcome only", at + ".overrideReason");
            }
            if (!or.isObject()) {
                throw FhirError.invalid(at + ".overrideReason must be an object", at + ".overrideReason");
            }
            Coding coding = null;
            JsonNode r = or.get("reason");
            if (r != null) {
                String where = at + ".overrideReason.reason";
                if (!r.isObject()) {
                    throw FhirError.invalid(where + " must be a Coding", where);
                }
                coding = new Coding(text(r, "system", where, true), text(r, "code", where, true),
                        text(r, "display", where, false));
            }
            String comment = text(or, "userComment", at + ".overrideReason", false);
            if (coding == null && comment == null) {
                throw FhirError.invalid(at + ".overrideReason needs a reason or a userComment", at + ".overrideReason");
            }
            reason = new FeedbackRequest.OverrideReason(coding, comment);
        }
        String ts = text(n, "outcomeTimestamp", at, true);
        Instant when;
        try {
            when = OffsetDateTime.parse(ts).toInstant();
        } catch (DateTimeParseException e) {
            throw FhirError.invalid(at + ".outcomeTimestamp must be an ISO 8601 date-time with zone, e.g. 2026-07-01T10:05:31Z",
                    at + ".outcomeTimestamp");
        }
        return new Item(new FeedbackRequest.Feedback(card, outcome, accepted, reason, ts), when);
    }

    private static String text(JsonNode parent, String name, String at, boolean required) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                throw FhirError.invalid(at + "." + name + " is required", at + "." + name);
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > MAX_TEXT) {
            throw FhirError.invalid(at + "." + name + " must be a non-empty string of at most " + MAX_TEXT + " characters",
                    at + "." + name);
        }
        return v.asText();
    }
}
