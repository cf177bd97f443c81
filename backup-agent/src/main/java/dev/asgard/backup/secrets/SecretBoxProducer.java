package dev.asgard.backup.secrets;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.asgard.backup.config.BackupConfig;

/** Produces the {@link SecretBox} from the configuration. */
@Singleton
public class SecretBoxProducer {

    /**
     * @param config the settings
     * @return the box
     */
    @Produces
    @Singleton
    public SecretBox secretBox(BackupConfig config) {
        return SecretBox.from(config.secrets());
    }
}
