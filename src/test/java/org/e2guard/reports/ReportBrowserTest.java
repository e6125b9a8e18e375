package org.e2guard.reports;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.population.PopulationFixtures;
import org.e2guard.testing.ReportBrowser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The dry run's report in a real headless Chromium (Debian's chromium and chromedriver, installed
 * by scripts/browser.sh): sign in with the API key, the charts render, and their data labels show
 * the numbers of the report's tables; a patient's timeline draws its thresholds. A screenshot of
 * the page is kept in target/browser/ as a build artefact.
 */
@QuarkusTest
@WithTestResource(org.e2guard.population.BulkFileServer.class)
class ReportBrowserTest {
    @RegisterExtension
    static final ReportBrowser browser = new ReportBrowser();

    @TestHTTPResource("/")
    URL base;

    @Test
    void theReportShowsTheNumbersOfItsTablesInItsCharts() throws Exception {
        String id = PopulationFixtures.finishedDryRun();
        String page = base.toString().replaceAll("/$", "") + "/reports/population/" + id;
        browser.signInAndOpen(page, "test-key");
        browser.awaitCharts("chart-rates", "chart-whatif");
        ChromeDriver driver = browser.driver();
        assertEquals(page, driver.getCurrentUrl());

        // every non-zero per-1,000 value of the table is a data label of the chart
        List<String> labels = browser.chartTexts("chart-rates");
        List<String> expected = new ArrayList<>();
        for (WebElement row : driver.findElements(By.cssSelector("#table-rates tbody tr"))) {
            List<WebElement> cells = row.findElements(By.cssSelector("td[data-severity]"));
            for (WebElement cell : cells) {
                long n = Long.parseLong(cell.getText().trim());
                if (n > 0) {
                    expected.add(String.format(java.util.Locale.ROOT, "%.1f", n * 1000.0 / PopulationFixtures.POPULATION));
                }
            }
        }
        assertTrue(expected.size() > 4, "several rules fire: " + expected);
        for (String v : expected) {
            assertTrue(labels.contains(v), "chart label " + v + " among " + labels);
        }
        assertTrue(labels.contains("high") && labels.contains("moderate"), "the legend names the severities: " + labels);

        // the what-if small multiples: one panel per setting, headed by its name
        List<String> whatIf = browser.chartTexts("chart-whatif");
        assertTrue(whatIf.contains("baseline") && whatIf.contains("E1 < 25 pg/mL"), whatIf.toString());
        String e1Baseline = driver.findElement(By.cssSelector("#table-whatif tbody tr:first-child td:nth-of-type(1)")).getText();
        String e1WhatIf = driver.findElement(By.cssSelector("#table-whatif tbody tr:first-child td:nth-of-type(2)")).getText();
        assertTrue(whatIf.contains(e1Baseline) && whatIf.contains(e1WhatIf), e1Baseline + " / " + e1WhatIf + " in " + whatIf);

        // a listed patient's timeline, with the estradiol thresholds
        WebElement first = driver.findElement(By.cssSelector("details.patient summary"));
        first.click();
        browser.awaitCharts("chart-patient-0");
        List<String> timeline = browser.chartTexts("chart-patient-0");
        assertTrue(timeline.contains("20 pg/mL") && timeline.contains("25 pg/mL"), timeline.toString());
        assertFalse(driver.findElement(By.id("chart-rates")).getAttribute("aria-label").isBlank());

        Path artefact = browser.keepScreenshot("population-report");
        assertTrue(Files.size(artefact) > 10_000, "a screenshot of the rendered page");
    }

    @Test
    void aWrongKeyIsRefusedAndNoReportWithoutOne() {
        given().redirects().follow(false).get("/reports/population/any").then().statusCode(303);
        given().contentType("application/x-www-form-urlencoded").formParam("key", "wrong").formParam("next", "/reports/")
                .post("/reports/login").then().statusCode(401);
        given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParam("key", "test-key")
                .formParam("next", "https://elsewhere.example/").post("/reports/login")
                .then().statusCode(303).header("Location", org.hamcrest.Matchers.endsWith("/reports/"))
                .header("Set-Cookie", org.hamcrest.Matchers.containsString("HttpOnly"));
        given().header("Authorization", "Bearer test-key").get("/reports/population/unknown").then().statusCode(404);
    }

}
