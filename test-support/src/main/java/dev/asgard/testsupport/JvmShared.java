package dev.asgard.testsupport;

import java.util.function.Supplier;

/**
 * State shared by every class loader of one test JVM.
 *
 * <p>Quarkus builds a new application, with new class loaders, for each test profile, and each of them loads this
 * module again: a plain static field would start a second PostgreSQL for the second profile and sign tokens with a
 * key the first application does not know. What must be one per JVM therefore lives in system properties (plain
 * strings, readable from any class loader), and the lock is an interned string, which is one object per JVM.
 * The keys start with {@code dev.asgard.testsupport.}, outside every configuration prefix of the services.
 */
final class JvmShared {

    private static final Object LOCK = "dev.asgard.testsupport.JvmShared.lock".intern();
    static final String PREFIX = "dev.asgard.testsupport.";

    private JvmShared() {
    }

    /**
     * Returns the JVM-wide value of {@code key}, computing and publishing it under the JVM-wide lock when no class
     * loader has done so yet.
     */
    static String computeIfAbsent(String key, Supplier<String> compute) {
        String name = PREFIX + key;
        synchronized (LOCK) {
            String value = System.getProperty(name);
            if (value == null) {
                value = compute.get();
                System.setProperty(name, value);
            }
            return value;
        }
    }
}
