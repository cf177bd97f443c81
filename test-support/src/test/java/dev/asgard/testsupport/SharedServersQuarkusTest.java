package dev.asgard.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
class SharedServersQuarkusTest {

    @Inject
    AgroalDataSource jdbc;

    @Inject
    Pool reactive;

    @Test
    void theDefaultProfileGetsTheJvmsServers() {
        SharedServers.assertOneServerOfEachForTheWholeJvm();
    }

    @Test
    void theJdbcDatasourceConnectsToTheAsgardDatabase() throws Exception {
        try (Connection connection = jdbc.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT current_database()")) {
            rows.next();
            assertEquals(PostgresResource.DEFAULT_DATABASE, rows.getString(1));
        }
    }

    @Test
    void theReactiveClientConnectsToTheAsgardDatabase() {
        String database = reactive.query("SELECT current_database()").execute()
                .map(rows -> rows.iterator().next().getString(0))
                .await().indefinitely();
        assertEquals(PostgresResource.DEFAULT_DATABASE, database);
    }
}
