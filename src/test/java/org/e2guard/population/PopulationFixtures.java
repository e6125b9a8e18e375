package org.e2guard.population;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.e2guard.engine.Rule;
import org.e2guard.mapping.output.RuleCounts;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UrlType;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Dry runs over the {@link BulkFileServer} population, as an HTTP client runs them. */
public final class PopulationFixtures {
    public static final String AS_OF = "2026-07-01T00:00:00Z";
    /** Patients on an aromatase inhibitor in the served population. */
    public static final int POPULATION = BulkFileServer.PATIENTS;
    private static String finished;

    private PopulationFixtures() {
    }

    public static RequestSpecification api() {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer test-key");
    }

    public static Parameters request(List<String> files, Parameters.ParametersParameterComponent... settings) {
        return requestByUrl(files.stream().map(f -> BulkFileServer.base + f).toList(), settings);
    }

    /** The dry run's Parameters for inputs given as whole URLs, evaluated at {@link #AS_OF}. */
    public static Parameters requestByUrl(List<String> urls, Parameters.ParametersParameterComponent... settings) {
        Parameters p = new Parameters();
        urls.forEach(u -> p.addParameter().setName("input").setValue(new UrlType(u)));
        p.addParameter().setName("asOf").setValue(new DateTimeType(AS_OF));
        for (Parameters.ParametersParameterComponent s : settings) {
            p.addParameter(s);
        }
        return p;
    }

    public static List<String> allFiles() throws IOException {
        try (Stream<java.nio.file.Path> files = Files.list(BulkFileServer.dir.resolve("bulk"))) {
            return files.map(f -> "/bulk/" + f.getFileName()).sorted().toList();
        }
    }

    /** The what-if column the fixtures ask for: a higher E1 threshold. */
    public static Parameters.ParametersParameterComponent e1At25() {
        Parameters.ParametersParameterComponent e1 = new Parameters.ParametersParameterComponent().setName("setting");
        e1.addPart().setName("name").setValue(new StringType("E1 < 25 pg/mL"));
        e1.addPart().setName("set").setValue(new StringType("estradiol.suppressed-below=25"));
        e1.addPart().setName("set").setValue(new StringType("estradiol.borderline-below=30"));
        return e1;
    }

    public static String kickOff(Parameters p) {
        return api().contentType("application/fhir+json").header("Prefer", "respond-async")
                .body(TestPopulation.CTX.newJsonParser().encodeResourceToString(p))
                .post("/fhir/$evaluate-population")
                .then().statusCode(202).header("Content-Location", containsString("/fhir/population-jobs/"))
                .extract().header("Content-Location");
    }

    /** Polls as a client would, until the job is over; the bound only stops a hung job from hanging the build. */
    public static Response await(String location) throws InterruptedException {
        Instant giveUp = Instant.now().plus(Duration.ofMinutes(5));
        while (true) {
            Response r = api().get(location);
            if (r.statusCode() != 202) {
                return r;
            }
            assertTrue(r.header("X-Progress") != null, "a running job says how far it is");
            if (Instant.now().isAfter(giveUp)) {
                throw new AssertionError("the dry run did not finish: " + r.header("X-Progress"));
            }
            Thread.sleep(200);
        }
    }

    /**
     * The findings of each patient posted to {@code $evaluate} on its own, counted as
     * {@code RULE_CODE/severity}: what a dry run over the same patients must count.
     */
    public static Map<String, Long> evaluateOneByOne(Map<String, List<Resource>> patients) {
        Map<String, Long> expected = new TreeMap<>();
        for (Map.Entry<String, List<Resource>> p : patients.entrySet()) {
            Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
            p.getValue().forEach(r -> b.addEntry().setFullUrl("http://ehr.example.org/fhir/" + r.fhirType() + "/"
                    + r.getIdElement().getIdPart()).setResource(r));
            String out = api().contentType("application/fhir+json").queryParam("asOf", AS_OF)
                    .body(TestPopulation.CTX.newJsonParser().encodeResourceToString(b)).post("/fhir/$evaluate")
                    .then().statusCode(200).extract().asString();
            for (Bundle.BundleEntryComponent e : TestPopulation.CTX.newJsonParser().parseResource(Bundle.class, out).getEntry()) {
                if (e.getResource() instanceof DetectedIssue di) {
                    String rule = di.getCode().getCoding().stream().filter(c -> c.getSystem().endsWith("/CodeSystem/rule"))
                            .findFirst().orElseThrow().getCode();
                    expected.merge(rule + "/" + di.getSeverity().toCode(), 1L, Long::sum);
                }
            }
        }
        return expected;
    }

    /** A dry run's MeasureReport counts in the form of {@link #evaluateOneByOne}. */
    public static Map<String, Long> findingsBySeverity(RuleCounts counts) {
        Map<String, Long> actual = new TreeMap<>();
        for (Rule r : Rule.values()) {
            counts.rule(r).strata().getOrDefault(RuleCounts.SEVERITY, Map.of()).forEach((sev, n) -> {
                if (n > 0) {
                    actual.put(r.code() + "/" + sev, n);
                }
            });
        }
        return actual;
    }

    /** The baseline MeasureReport of a finished job's manifest (the first line of its MeasureReport file). */
    public static MeasureReport baseline(String manifest) {
        String location = manifest.replaceAll(".*\"url\":\"([^\"]*MeasureReport.ndjson)\".*", "$1");
        String first = api().get(location).then().statusCode(200).extract().asString().lines().findFirst().orElseThrow();
        return TestPopulation.CTX.newJsonParser().parseResource(MeasureReport.class, first);
    }

    /** The id of a finished dry run of the whole population with the E1 what-if column (run once per test JVM). */
    public static synchronized String finishedDryRun() throws IOException, InterruptedException {
        if (finished == null) {
            String location = kickOff(request(allFiles(), e1At25()));
            assertEquals(200, await(location).statusCode());
            finished = location.substring(location.lastIndexOf('/') + 1);
        }
        return finished;
    }
}
