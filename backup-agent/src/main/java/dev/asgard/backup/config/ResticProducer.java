package dev.asgard.backup.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticRunner;

/** Produces {@link Restic} from the configuration. */
@Singleton
public class ResticProducer {

    /**
     * @param config the settings
     * @return restic
     */
    @Produces
    @Singleton
    public Restic restic(BackupConfig config) {
        BackupConfig.ResticSettings r = config.restic();
        return new Restic(new ResticRunner(r.binary(), r.commandTimeout(), r.cancelGracePeriod(),
                r.cacheDir().orElse(null), r.backupProgressFps()));
    }
}
