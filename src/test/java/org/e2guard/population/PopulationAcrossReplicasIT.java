package org.e2guard.population;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.e2guard.mapping.output.RuleMeasureReport;
import org.e2guard.testing.PackagedReplicas;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Two replicas of the packaged service on one PostgreSQL, as the prod overlay runs three behind a
 * Service that routes each call anywhere: a dry run accepted by replica a is polled, downloaded,
 * reported on and deleted through replica b; and a job whose replica is killed is reported failed
 * by the other one once its heartbeat is stale (60 s), instead of running for ever.
 */
class PopulationAcrossReplicasIT {

    @Test
    void anyReplicaAnswersForADryRunAndADeadReplicasJobFails(@TempDir Path dir) throws Exception {
        Path files = dir.resolve("files");
        TestPopulation.write(files.resolve("bulk"), 40, 23);
        HttpServer server = StaticFileServer.start(files, 0);
        // an input that never ends: the job that fetches it is still running when its replica dies
        CountDownLatch end = new CountDownLatch(1);
        server.createContext("/bulk/slow.ndjson", ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write("{\"resourceType\":\"Patient\",\"id\":\"slow\"}\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                end.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        String fileBase = "http://127.0.0.1:" + server.getAddress().getPort();
        try (PackagedReplicas replicas = PackagedReplicas.on(dir)) {
            PackagedReplicas.Replica a = replicas.start("a", "e2guard.population.allowed-urls=" + fileBase + "/bulk/",
                    "e2guard.population.work-dir=" + dir.resolve("a-jobs"));
            PackagedReplicas.Replica b = replicas.start("b", "e2guard.population.allowed-urls=" + fileBase + "/bulk/",
                    "e2guard.population.work-dir=" + dir.resolve("b-jobs"));

            List<String> inputs;
            try (Stream<Path> all = Files.list(files.resolve("bulk"))) {
                inputs = all.map(f -> fileBase + "/bulk/" + f.getFileName()).sorted().toList();
            }
            String job = path(kickOff(a.base(), inputs));

            Response done = await(b.base(), job);
            assertEquals(200, done.statusCode(), done.asString());
            JsonNode manifest = new ObjectMapper().readTree(done.asString());
            String measureReports = null;
            for (JsonNode out : manifest.get("output")) {
                String file = path(out.get("url").asText());
                String fromB = api(b.base()).get(file).then().statusCode(200).extract().asString();
                assertEquals(out.get("count").asLong(), fromB.lines().count(), file);
                assertEquals(fromB, api(a.base()).get(file).then().statusCode(200).extract().asString(),
                        "both replicas serve the same output");
                if ("MeasureReport".equals(out.get("type").asText())) {
                    measureReports = fromB;
                }
            }
            MeasureReport baseline = TestPopulation.CTX.newJsonParser().parseResource(MeasureReport.class,
                    measureReports.lines().findFirst().orElseThrow());
            assertEquals(40, RuleMeasureReport.counts(baseline).population(), "every generated patient, counted once");
            String page = api(b.base()).get("/reports/population/" + job.substring(job.lastIndexOf('/') + 1))
                    .then().statusCode(200).extract().asString();
            assertTrue(page.contains("chart-rates"), "replica b draws the report of a's job");

            api(b.base()).delete(job).then().statusCode(202);
            api(a.base()).get(job).then().statusCode(404);

            // a job running on a when a dies: b reports it failed, not running for ever
            String orphan = path(kickOff(a.base(), List.of(fileBase + "/bulk/slow.ndjson")));
            assertEquals(202, api(b.base()).get(orphan).statusCode(), "running on a");
            a.kill();
            Response failed = await(b.base(), orphan);
            assertEquals(500, failed.statusCode(), failed.asString());
            assertTrue(failed.asString().contains("stopped before it finished"), failed.asString());
        } finally {
            end.countDown();
            server.stop(0);
        }
    }

    private static RequestSpecification api(String base) {
        return given().baseUri(base).urlEncodingEnabled(false).header("Authorization", "Bearer it-key");
    }

    private static String kickOff(String base, List<String> inputs) {
        Parameters p = PopulationFixtures.requestByUrl(inputs);
        return api(base).contentType("application/fhir+json").header("Prefer", "respond-async")
                .body(TestPopulation.CTX.newJsonParser().encodeResourceToString(p)).post("/fhir/$evaluate-population")
                .then().statusCode(202).extract().header("Content-Location");
    }

    /** Polls until the job is over; the bound (beyond the 60 s heartbeat staleness) only stops a hung build. */
    private static Response await(String base, String job) throws InterruptedException {
        Instant giveUp = Instant.now().plus(Duration.ofMinutes(4));
        while (true) {
            Response r = api(base).get(job);
            if (r.statusCode() != 202) {
                return r;
            }
            if (Instant.now().isAfter(giveUp)) {
                throw new AssertionError("the dry run did not end: " + r.header("X-Progress"));
            }
            Thread.sleep(250);
        }
    }

    private static String path(String url) {
        return URI.create(url).getRawPath();
    }
}
