package dev.asgard.commons.auth;

import java.net.URI;
import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * Builds the device authentication beans from {@link DeviceAuthConfig}. The classes themselves are plain so that
 * tests construct them directly.
 */
@ApplicationScoped
public class DeviceAuthProducer {

    /**
     * @param config the settings
     * @param clock the application clock
     * @return the revocations of this replica
     */
    @Produces
    @ApplicationScoped
    DeviceRevocations revocations(DeviceAuthConfig config, Clock clock) {
        return new DeviceRevocations(clock, rules(config).acceptanceWindow());
    }

    /**
     * @param config the settings
     * @param revocations the revocations
     * @param clock the application clock
     * @return the verifier, with a fixed key set when {@code asgard.device-auth.jwks} is set, else the JWKS URL
     */
    @Produces
    @ApplicationScoped
    DeviceTokenVerifier verifier(DeviceAuthConfig config, DeviceRevocations revocations, Clock clock) {
        JwksSource source = config.jwks().<JwksSource>map(JwksSource::fixed)
                .orElseGet(() -> new HttpJwksSource(URI.create(config.jwksUrl()), config.jwksFetchTimeout()));
        return new DeviceTokenVerifier(source, rules(config), revocations, clock, config.jwksRefreshInterval(),
                config.jwksMinRefreshInterval(), config.verifiedTokenCacheSize());
    }

    static DeviceTokenRules rules(DeviceAuthConfig config) {
        return new DeviceTokenRules(config.issuer(), config.audience(), config.clockSkew(), config.maxTokenLifetime());
    }
}
