package dev.asgard.infra;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * A throwaway JVM for tests that must kill or configure the JVM that owns the servers.
 * <ul>
 * <li>{@code servers}: starts PostgreSQL and Kafka, prints {@code READY} and waits to be killed;</li>
 * <li>{@code pg-roundtrip <dir>}: writes a row with a data directory, restarts, reads it back, prints {@code OK}
 * (run with {@code -Dasgard.postgres.run-as=...} to exercise one way of running PostgreSQL).</li>
 * </ul>
 */
public final class ServersHelperMain {

    private ServersHelperMain() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "servers" -> {
                EmbeddedPostgres pg = EmbeddedPostgres.builder().build().start();
                KafkaBroker kafka = KafkaBroker.builder().build().start();
                System.out.println("READY " + pg.port() + " " + kafka.bootstrapServers());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            case "pg-roundtrip" -> {
                Path dir = Path.of(args[1]);
                try (EmbeddedPostgres pg = EmbeddedPostgres.builder().dataDirectory(dir).build().start();
                        Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.username(), pg.password());
                        Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE t (v text)");
                    s.execute("INSERT INTO t VALUES ('kept')");
                }
                try (EmbeddedPostgres pg = EmbeddedPostgres.builder().dataDirectory(dir).build().start();
                        Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.username(), pg.password());
                        Statement s = c.createStatement();
                        ResultSet rows = s.executeQuery("SELECT v FROM t")) {
                    rows.next();
                    System.out.println("OK " + PostgresRunAs.current(dir).mode() + " " + rows.getString(1));
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
