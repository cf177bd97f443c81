package dev.asgard.testsupport;

import java.lang.management.ManagementFactory;
import java.util.function.BooleanSupplier;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Stops and starts one of the JVM's test servers ({@link TestServers#kafkaLifecycle()},
 * {@link TestServers#postgresLifecycle()}), for outage tests. The server keeps its port and data, so clients
 * configured for it reconnect by themselves once it is back.
 *
 * <p>Every test class of a JVM shares the servers: a test that stops one must start it again in a
 * {@code finally} block.
 *
 * <pre>{@code
 * ServerLifecycle kafka = TestServers.kafkaLifecycle();
 * kafka.stop();
 * try {
 *     ... // writes while Kafka is down
 * } finally {
 *     kafka.start();
 * }
 * }</pre>
 */
public final class ServerLifecycle implements ServerLifecycleMBean {

    private static final String DOMAIN = "dev.asgard.testsupport";

    private final Runnable stop;
    private final Runnable start;
    private final BooleanSupplier running;
    private final ObjectName name;

    /** The registered lifecycle of a server started in this class loader. */
    ServerLifecycle(Runnable stop, Runnable start, BooleanSupplier running) {
        this.stop = stop;
        this.start = start;
        this.running = running;
        this.name = null;
    }

    /** A handle that reaches the registered lifecycle by name, from any class loader. */
    private ServerLifecycle(ObjectName name) {
        this.stop = null;
        this.start = null;
        this.running = null;
        this.name = name;
    }

    @Override
    public void stop() {
        if (name != null) {
            invoke("stop");
        } else {
            stop.run();
        }
    }

    @Override
    public void start() {
        if (name != null) {
            invoke("start");
        } else {
            start.run();
        }
    }

    @Override
    public boolean isRunning() {
        if (name != null) {
            try {
                return (Boolean) server().getAttribute(name, "Running");
            } catch (JMException e) {
                throw new IllegalStateException("Cannot read " + name + ": " + e.getMessage(), e);
            }
        }
        return running.getAsBoolean();
    }

    /** Registers a lifecycle under the server's name, once per JVM. */
    static void register(String server, ServerLifecycle lifecycle) {
        try {
            ObjectName objectName = objectName(server);
            if (!server().isRegistered(objectName)) {
                server().registerMBean(lifecycle, objectName);
            }
        } catch (JMException e) {
            throw new IllegalStateException("Cannot register the lifecycle of " + server + ": " + e.getMessage(), e);
        }
    }

    /** @return a handle to the registered lifecycle of a server */
    static ServerLifecycle lookup(String server) {
        ObjectName objectName = objectName(server);
        if (!server().isRegistered(objectName)) {
            throw new IllegalStateException("The test server " + server + " was not started by TestServers in this JVM");
        }
        return new ServerLifecycle(objectName);
    }

    private void invoke(String operation) {
        try {
            server().invoke(name, operation, null, null);
        } catch (JMException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(operation + " of " + name + " failed: " + cause.getMessage(), cause);
        }
    }

    private static ObjectName objectName(String server) {
        try {
            return new ObjectName(DOMAIN + ":type=TestServer,name=" + server);
        } catch (JMException e) {
            throw new IllegalArgumentException(server, e);
        }
    }

    private static MBeanServer server() {
        return ManagementFactory.getPlatformMBeanServer();
    }
}
