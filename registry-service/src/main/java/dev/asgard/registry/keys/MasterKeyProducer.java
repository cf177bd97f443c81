package dev.asgard.registry.keys;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.asgard.registry.config.RegistryConfig;

/** Produces the {@link MasterKey} from the configuration (value, file, or a generated development file). */
@Singleton
public class MasterKeyProducer {

    /**
     * @param config the registry settings
     * @return the master key
     */
    @Produces
    @Singleton
    public MasterKey masterKey(RegistryConfig config) {
        return MasterKey.resolve(config.signingKeys());
    }
}
