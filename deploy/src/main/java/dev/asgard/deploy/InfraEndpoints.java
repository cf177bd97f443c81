package dev.asgard.deploy;

/**
 * Where the services find the shared infrastructure.
 *
 * @param jdbcUrl PostgreSQL JDBC URL of the {@code asgard} database (Flyway)
 * @param reactiveUrl the same database for the reactive client
 * @param databaseUser PostgreSQL user
 * @param databasePassword its password
 * @param kafkaBootstrapServers Kafka bootstrap servers
 * @param oidcServerUrl the Keycloak realm the services trust (also when Keycloak does not run)
 */
public record InfraEndpoints(String jdbcUrl, String reactiveUrl, String databaseUser, String databasePassword,
        String kafkaBootstrapServers, String oidcServerUrl) {

    @Override
    public String toString() {
        return "InfraEndpoints[" + jdbcUrl + ", " + kafkaBootstrapServers + ", " + oidcServerUrl + "]";
    }
}
