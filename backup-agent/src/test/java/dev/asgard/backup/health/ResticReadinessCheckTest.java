package dev.asgard.backup.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class ResticReadinessCheckTest {

    @Test
    void readinessReportsTheResticVersion() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("restic"))
                .body("checks.find { it.name == 'restic' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'restic' }.data.minimumVersion", equalTo("0.14.0"));
    }
}
