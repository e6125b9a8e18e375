package org.e2guard.ops.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.e2guard.mapping.terminology.ValueSetLoader;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The three probe endpoints of k8s/base/deployment.yaml answer, and readiness means "can evaluate". */
@QuarkusTest
class HealthTest {

    @Test
    void readyOnceRulesAndCodeListsAreLoaded() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'e2guard-rules' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'e2guard-rules' }.data.valueSets", equalTo(ValueSetLoader.PUBLISHED.size()));
    }

    @Test
    void startedUsesTheSameCheck() {
        given().when().get("/q/health/started").then().statusCode(200)
                .body("checks.name", hasItem("e2guard-rules"));
    }

    @Test
    void liveDependsOnNothingOutside() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
