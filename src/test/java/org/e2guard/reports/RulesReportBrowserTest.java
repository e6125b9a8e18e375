package org.e2guard.reports;

import static io.restassured.RestAssured.given;
import static org.e2guard.cds.CdsTestSupport.PATIENT_VIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.e2guard.cds.CdsTestSupport;
import org.e2guard.cds.EhrTestServer;
import org.e2guard.population.BrowserSupport;
import org.e2guard.testing.GoldenCases;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

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
    static ChromeDriver browser;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void browser() {
        browser = BrowserSupport.chromeOrSkip();
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.quit();
        }
    }

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
        browser.get(page);
        // no session yet: the browser is sent to sign in, then back
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("key"))).sendKeys("test-key");
        browser.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("chart-rates"), "data-rendered", "true"));
        wait.until(ExpectedConditions.attributeToBe(By.id("chart-overrides"), "data-rendered", "true"));
        assertEquals(page, browser.getCurrentUrl());

        Matcher m = Pattern.compile("([\\d,]+) patients evaluated").matcher(browser.findElement(By.cssSelector("p.facts")).getText());
        assertTrue(m.find());
        long evaluated = Long.parseLong(m.group(1).replace(",", ""));
        assertTrue(evaluated >= GoldenCases.builtIn().size(), "evaluated " + evaluated);

        // every non-zero severity count of the table is a per-1,000 data label of the chart
        List<String> labels = texts(browser.findElement(By.id("chart-rates")));
        List<String> expected = new ArrayList<>();
        for (WebElement cell : browser.findElements(By.cssSelector("#table-rates td[data-severity]"))) {
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
        String rate = browser.findElement(By.cssSelector("#table-overrides tr[data-rule=VITD_LOW] td.override-rate")).getText();
        assertTrue(rate.endsWith(" %") && !rate.equals("0.0 %"), rate);
        assertTrue(texts(browser.findElement(By.id("chart-overrides"))).contains(rate), rate);
        assertTrue(browser.findElement(By.cssSelector("#table-overrides tr[data-rule=VITD_LOW]")).getText()
                .contains("already-addressed"));
        assertFalse(browser.findElement(By.id("chart-overrides")).getAttribute("aria-label").isBlank());

        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path artefact = Path.of("target", "browser", "rule-statistics.png");
        Files.createDirectories(artefact.getParent());
        Files.copy(shot.toPath(), artefact, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(artefact) > 10_000, "a screenshot of the rendered page");
    }

    @Test
    void aBadPeriodIsRefusedPlainly() {
        String body = given().header("Authorization", "Bearer test-key").get("/reports/rules?from=2026-13-01")
                .then().statusCode(400).contentType("text/html").extract().asString();
        assertTrue(body.contains("from must be a date YYYY-MM-DD"), body);
        given().redirects().follow(false).get("/reports/rules").then().statusCode(303);
    }

    private static List<String> texts(WebElement chart) {
        return chart.findElements(By.cssSelector("svg text")).stream().map(e -> e.getAttribute("textContent").trim())
                .filter(t -> !t.isEmpty()).toList();
    }
}
