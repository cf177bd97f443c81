package dev.asgard.deploy;

/**
 * Fixed addresses of the local platform. Fixed rather than random so that URLs, bookmarks and
 * tool configurations stay valid across restarts; everything binds to the loopback address only.
 * PostgreSQL and Kafka use ports above the usual ones so that a system-wide PostgreSQL or Kafka on
 * 5432/9092 does not get in the way.
 */
public final class LocalPorts {

    public static final String HOST = "127.0.0.1";
    public static final int POSTGRES = 15432;
    public static final int KAFKA = 19092;
    public static final int KAFKA_CONTROLLER = 19093;
    public static final int KEYCLOAK = 8180;

    private LocalPorts() {
    }

    /** Keycloak's base URL; also the issuer prefix every token carries. */
    public static String keycloakUrl() {
        return "http://" + HOST + ":" + KEYCLOAK;
    }
}
