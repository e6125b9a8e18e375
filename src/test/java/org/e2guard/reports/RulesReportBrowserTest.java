package org.e2guard.reports;

import static io.restassured.RestAssured.given;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.e2guard.cds.CdsTestSupport;
import org.e2guard.cds.EhrTestServer;
import org.e2guard.testing.GoldenCases;
import org.e2guard.testing.ReportBrowser;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The live rule statistics page (/reports/rules) in headless Chromium, like ReportBrowserTest:
 * after the golden cases went through $evaluate and a card got overridden through CDS Hooks, the
 * signed-in page draws both charts, and their data labels are the numbers of its tables.
 */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class RulesReportBrowserTest {
    @RegisterExtension
    static final ReportBrowser browser = new ReportBrowser();

    @TestHTTPResource("/")
    URL base;

    @Test
    void theStatisticsPageShowsTheNumbersOfItsTablesInItsCharts() throws Exception {
        for (GoldenCases.Case c : GoldenCases.builtIn()) {
            given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key").contentType("application/fhir+json")
                    .body(c.bundle()).when().post("/fhir/$evaluate?asOf=" + c.asOf()).then().statusCode(200);
        }
        GoldenCases.Case c08 = GoldenCases.builtIn().stream().filter(c -> c.name().startsWith("c08-")).findFirst().orElseThrow();
        List<Resource> resources = CdsTestSupport.caseResources(c08);
        ObjectNode request = CdsTestSupport.request("patient-view", "p1");
        CdsTestSupport.asOf(request, c08.asOf());
        request.set("prefetch", CdsTestSupport.prefetch(CdsTestSupport.templates(PATIENT_VIEW), resources, "p1"));
        JsonNode cards = CdsTestSupport.JSON.readTree(CdsTestSupport.cds("/cds-services/" + PATIENT_VIEW)
                .body(request.toString()).post("/cds-services/" + PATIENT_VIEW).then().statusCode(200).extract().asString());
        String card = cards.get("cards").get(0).get("uuid").asText();
        CdsTestSupport.cds("/cds-services/" + PATIENT_VIEW + "/feedback").body("""
                {"feedback":[{"card":"%s","outcome":"overridden","overrideReason":{
                  "reason":{"system":"https://e2guard.org/fhir/CodeSystem/cds-override-reason","code":"already-addressed"}},
                  "outcomeTimestamp":"2026-07-01T10:00:00Z"}]}""".formatted(card))
                .post("/cds-services/" + PATIENT_VIEW + "/feedback").then().statusCode(200);

        String page = base.toString().replaceAll("/$", "") + "/reports/rules?from=2026-06-01&to="
                + LocalDate.now(ZoneOffset.UTC);
        browser.signInAndOpen(page, "test-key");
        browser.awaitCharts("chart-rates", "chart-overrides");
        ChromeDriver driver = browser.driver();
        assertEquals(page, driver.getCurrentUrl());

        Matcher m = Pattern.compile("([\\d,]+) patients evaluated").matcher(driver.findElement(By.cssSelector("p.facts")).getText());
        assertTrue(m.find());
        long evaluated = Long.parseLong(m.group(1).replace(",", ""));
        assertTrue(evaluated >= GoldenCases.builtIn().size(), "evaluated " + evaluated);

        // every non-zero severity count of the table is a per-1,000 data label of the chart
        List<String> labels = browser.chartTexts("chart-rates");
        List<String> expected = new ArrayList<>();
        for (WebElement cell : driver.findElements(By.cssSelector("#table-rates td[data-severity]"))) {
            long n = Long.parseLong(cell.getText().trim());
            if (n > 0) {
                expected.add(String.format(Locale.ROOT, "%.1f", Math.round(n * 10000.0 / evaluated) / 10.0));
            }
        }
        assertTrue(expected.size() > 4, "several rules fired: " + expected);
        for (String v : expected) {
            assertTrue(labels.contains(v), "chart label " + v + " among " + labels);
        }
        assertTrue(labels.contains("high") && labels.contains("moderate"), "the legend names the severities: " + labels);

        // the override rate of the overridden rule is in the table and drawn as a bar label
        String rate = driver.findElement(By.cssSelector("#table-overrides tr[data-rule=VITD_LOW] td.override-rate")).getText();
        assertTrue(rate.endsWith(" %") && !rate.equals("0.0 %"), rate);
        assertTrue(browser.chartTexts("chart-overrides").contains(rate), rate);
        assertTrue(driver.findElement(By.cssSelector("#table-overrides tr[data-rule=VITD_LOW]")).getText()
                .contains("already-addressed"));
        assertFalse(driver.findElement(By.id("chart-overrides")).getAttribute("aria-label").isBlank());

        Path artefact = browser.keepScreenshot("rule-statistics");
        assertTrue(Files.size(artefact) > 10_000, "a screenshot of the rendered page");
    }

    @Test
    void aBadPeriodIsRefusedPlainly() {
        String body = given().header("Authorization", "Bearer test-key").get("/reports/rules?from=2026-13-01")
                .then().statusCode(400).contentType("text/html").extract().asString();
        assertTrue(body.contains("from must be a date YYYY-MM-DD"), body);
        given().redirects().follow(false).get("/reports/rules").then().statusCode(303);
    }

}
