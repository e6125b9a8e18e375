package org.e2guard.ops.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A pod whose code lists cannot load (here: the deployment's extra value sets point nowhere)
 * is not ready and not started, so Kubernetes sends it no traffic; it stays alive, so the
 * reason can be read from its health endpoint and log.
 */
@QuarkusTest
@TestProfile(NotReadyTest.BrokenCodeLists.class)
class NotReadyTest {

    public static class BrokenCodeLists implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("e2guard.terminology.extra-value-sets", "/nonexistent/e2guard-value-sets");
        }
    }

    @Test
    void notReadyNotStartedButLive() {
        given().when().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'e2guard-rules' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'e2guard-rules' }.data.error", equalTo("java.io.UncheckedIOException"));
        given().when().get("/q/health/started").then().statusCode(503);
        given().when().get("/q/health/live").then().statusCode(200);
    }
}
