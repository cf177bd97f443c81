package dev.asgard.registry.keys;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives the test application a master key generated at test start (nothing secret is committed) and turns the
 * scheduled rotation check off, so tests drive rotation with explicit times. Global
 * ({@code restrictToAnnotatedClass = false}), so every test class shares one application.
 */
public class SigningKeysResource implements QuarkusTestResourceLifecycleManager {

    /** The master key of this test JVM. */
    static final String MASTER_KEY = MasterKey.generateBase64();

    @Override
    public Map<String, String> start() {
        return Map.of(
                "asgard.registry.signing-keys.master-key", MASTER_KEY,
                "asgard.registry.signing-keys.rotation-check-interval", "off");
    }

    @Override
    public void stop() {
        // Nothing runs.
    }
}
