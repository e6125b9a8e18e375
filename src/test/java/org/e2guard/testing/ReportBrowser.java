package org.e2guard.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium for the report pages' tests (Debian's chromium and chromedriver, installed
 * by scripts/browser.sh), registered with {@code @RegisterExtension}: one browser per test class.
 * A developer without Chromium gets the tests skipped with the command that installs it; CI
 * (CI=true) must run them, so there a missing browser fails.
 */
public final class ReportBrowser implements BeforeAllCallback, AfterAllCallback {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** Charts render after the page's script ran; a loaded CI machine can take long to get there. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private ChromeDriver driver;

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            String message = "Chromium and chromedriver are not installed (" + CHROMIUM + ", " + DRIVER
                    + "): run scripts/browser.sh";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(message + " (CI must run the browser tests)");
            }
            Assumptions.abort(message);
        }
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1280,2200", "--lang=en");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (driver != null) {
            driver.quit();
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Opens a report page without a session: the page sends the browser to sign in, then back. */
    public void signInAndOpen(String page, String apiKey) {
        driver.get(page);
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("key"))).sendKeys(apiKey);
        driver.findElement(By.id("sign-in")).click();
    }

    /** Waits until each chart's script has marked it drawn. */
    public void awaitCharts(String... chartIds) {
        for (String id : chartIds) {
            waiting().until(ExpectedConditions.attributeToBe(By.id(id), "data-rendered", "true"));
        }
    }

    /** The texts an SVG chart draws: its data labels, axis labels and legend. */
    public List<String> chartTexts(String chartId) {
        return driver.findElement(By.id(chartId)).findElements(By.cssSelector("svg text")).stream()
                .map(e -> e.getAttribute("textContent").trim()).filter(t -> !t.isEmpty()).toList();
    }

    /** Keeps a screenshot of the page as a build artefact, target/browser/{name}.png. */
    public Path keepScreenshot(String name) throws java.io.IOException {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Path artefact = Path.of("target", "browser", name + ".png");
        Files.createDirectories(artefact.getParent());
        Files.copy(shot.toPath(), artefact, StandardCopyOption.REPLACE_EXISTING);
        return artefact;
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(driver, PATIENCE);
    }
}
