package dev.asgard.testsupport;

/**
 * The JMX view of one test server's lifecycle, registered by {@link TestServers} under
 * {@code dev.asgard.testsupport:type=TestServer,name=<server>}. JMX, because the server objects live in the class
 * loader that started them, and a Quarkus test may run in another: the platform MBean server is one per JVM and is
 * called by name, so no class has to be shared. Use {@link TestServers#kafkaLifecycle()} and
 * {@link TestServers#postgresLifecycle()} rather than this interface.
 */
public interface ServerLifecycleMBean {

    /** Stops the server, keeping its port and data. */
    void stop();

    /** Starts the stopped server again, on the same port with the same data; blocks until it serves. */
    void start();

    /** @return whether the server runs */
    boolean isRunning();
}
