package org.e2guard.cds;

import static io.restassured.RestAssured.given;
import static org.e2guard.cds.CdsTestSupport.JSON;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Feedback on cards: stored in PostgreSQL (embedded, real), counted in
 * {@code e2guard.cds.feedback{service,outcome}}, malformed feedback refused with 400.
 */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class CdsFeedbackTest {
    static final String FEEDBACK = "/cds-services/" + PATIENT_VIEW + "/feedback";

    @Inject
    DataSource db;

    /** A real card from patient-view (case 08: vitamin D low, calcium overdue). */
    static JsonNode aCard() throws IOException {
        ObjectNode request = CdsTestSupport.request("patient-view", "p1");
        CdsTestSupport.asOf(request, "2026-07-01T00:00:00Z");
        request.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(PATIENT_VIEW),
                CdsTestSupport.caseResources("c08-vitd-low-and-calcium-overdue"), "p1"));
        String url = "/cds-services/" + PATIENT_VIEW;
        JsonNode response = JSON.readTree(CdsTestSupport.cds(url).body(request.toString()).post(url)
                .then().statusCode(200).extract().asString());
        for (JsonNode card : response.get("cards")) {
            if (card.has("suggestions")) {
                return card;
            }
        }
        throw new AssertionError("no card with suggestions");
    }

    static void postFeedback(String body, int status) {
        CdsTestSupport.cds(FEEDBACK).body(body).post(FEEDBACK).then().statusCode(status);
    }

    @Test
    void acceptedAndOverriddenFeedbackIsStoredAndCounted() throws Exception {
        JsonNode card = aCard();
        String cardUuid = card.get("uuid").asText();
        String suggestion = card.get("suggestions").get(0).get("uuid").asText();
        double acceptedBefore = counter("accepted");
        double overriddenBefore = counter("overridden");

        postFeedback("""
                {"feedback":[{"card":"%s","outcome":"accepted","acceptedSuggestions":[{"id":"%s"}],
                  "outcomeTimestamp":"2026-07-01T10:05:31Z"}]}""".formatted(cardUuid, suggestion), 200);
        postFeedback("""
                {"feedback":[{"card":"%s","outcome":"overridden","overrideReason":{
                  "reason":{"system":"https://e2guard.org/fhir/CodeSystem/cds-override-reason","code":"patient-declined",
                            "display":"Patient declined"},
                  "userComment":"prefers to wait"},
                  "outcomeTimestamp":"2026-07-01T10:06:00.52Z"}]}""".formatted(cardUuid), 200);
        // the EHR re-sends the same item: stored and counted once
        postFeedback("""
                {"feedback":[{"card":"%s","outcome":"overridden","outcomeTimestamp":"2026-07-01T10:06:00.52Z"}]}"""
                .formatted(cardUuid), 200);

        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT outcome, accepted_suggestions, override_reason_code, user_comment, card_rules, client_issuer,
                            service_id
                     FROM cds_feedback WHERE card_uuid = ?::uuid ORDER BY outcome_timestamp""")) {
            ps.setString(1, cardUuid);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("accepted", rs.getString(1));
                assertArrayEquals(new String[] {suggestion}, (String[]) rs.getArray(2).getArray());
                assertNull(rs.getString(3));
                String rules = rs.getString(5);
                assertTrue(rules.contains("VITD_LOW") || rules.contains("VITD_CA_OVERDUE"), rules);
                assertEquals(EhrTestServer.ISSUER, rs.getString(6));
                assertEquals(PATIENT_VIEW, rs.getString(7));
                assertTrue(rs.next());
                assertEquals("overridden", rs.getString(1));
                assertEquals("patient-declined", rs.getString(3));
                assertEquals("prefers to wait", rs.getString(4));
                assertTrue(!rs.next(), "the re-sent item was not stored twice");
            }
        }
        assertEquals(acceptedBefore + 1, counter("accepted"));
        assertEquals(overriddenBefore + 1, counter("overridden"));
    }

    @Test
    void feedbackForACardNoLongerRememberedIsStillStored() throws SQLException {
        String unknown = UUID.randomUUID().toString();
        postFeedback("""
                {"feedback":[{"card":"%s","outcome":"overridden","outcomeTimestamp":"2026-07-01T11:00:00Z"}]}"""
                .formatted(unknown), 200);
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT card_rules FROM cds_feedback WHERE card_uuid = ?::uuid")) {
            ps.setString(1, unknown);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertNull(rs.getString(1));
            }
        }
    }

    @Test
    void malformedFeedbackIs400AndStoresNothing() throws SQLException {
        String card = UUID.randomUUID().toString();
        for (String body : new String[] {
                "not json",
                "{}",
                "{\"feedback\":[]}",
                "{\"feedback\":{}}",
                "{\"feedback\":[{\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-07-01T10:00:00Z\"}]}",
                "{\"feedback\":[{\"card\":\"not-a-uuid\",\"outcome\":\"overridden\",\"outcomeTimestamp\":\"2026-07-01T10:00:00Z\"}]}",
                "{\"feedback\":[{\"card\":\"" + card + "\",\"outcome\":\"ignored\",\"outcomeTimestamp\":\"2026-07-01T10:00:00Z\"}]}",
                "{\"feedback\":[{\"card\":\"" + card + "\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-07-01T10:00:00Z\"}]}",
                "{\"feedback\":[{\"card\":\"" + card + "\",\"outcome\":\"overridden\",\"outcomeTimestamp\":\"yesterday\"}]}",
                "{\"feedback\":[{\"card\":\"" + card + "\",\"outcome\":\"overridden\"}]}",
                "{\"feedback\":[{\"card\":\"" + card + "\",\"outcome\":\"overridden\",\"overrideReason\":{\"reason\":{\"code\":\"x\"}},"
                        + "\"outcomeTimestamp\":\"2026-07-01T10:00:00Z\"}]}",
                // one good item and one bad: nothing is stored
                "{\"feedback\":[{\"card\":\"" + card + "\",\"outcome\":\"overridden\",\"outcomeTimestamp\":\"2026-07-01T10:00:00Z\"},"
                        + "{\"card\":\"" + card + "\",\"outcome\":\"maybe\",\"outcomeTimestamp\":\"2026-07-01T10:00:00Z\"}]}"}) {
            CdsTestSupport.cds(FEEDBACK).body(body).post(FEEDBACK).then().statusCode(400)
                    .body("resourceType", org.hamcrest.Matchers.equalTo("OperationOutcome"));
        }
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM cds_feedback WHERE card_uuid = ?::uuid")) {
            ps.setString(1, card);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
        }
    }

    @Test
    void feedbackNeedsAJwtAndAKnownService() {
        given().contentType("application/json").body("{}").post(FEEDBACK).then().statusCode(401);
        String unknown = "/cds-services/nope/feedback";
        CdsTestSupport.cds(unknown).body("{}").post(unknown).then().statusCode(404);
    }

    /** The Prometheus counter e2guard_cds_feedback_total{outcome, service}. */
    static double counter(String outcome) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("e2guard_cds_feedback_total\\{([^}]*)\\} ([0-9.E]+)").matcher(metrics);
        double total = 0;
        while (m.find()) {
            if (m.group(1).contains("outcome=\"" + outcome + "\"") && m.group(1).contains("service=\"" + PATIENT_VIEW + "\"")) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }
}
