package dev.asgard.testsupport;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Makes a service's device-token verifier (commons, {@code dev.asgard.commons.auth}) trust {@link DeviceTokens}:
 * it returns the test JWKS as {@code asgard.device-auth.jwks}, so the verifier uses that fixed key set and fetches
 * nothing over HTTP, plus the issuer and audience the tokens carry.
 *
 * <pre>{@code
 * @QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
 * }</pre>
 */
public class DeviceAuthResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                "asgard.device-auth.jwks", DeviceTokens.jwks(),
                "asgard.device-auth.issuer", DeviceTokens.ISSUER,
                "asgard.device-auth.audience", DeviceTokens.AUDIENCE);
    }

    @Override
    public void stop() {
        // Nothing runs: the key pair lives as long as the JVM.
    }
}
