package dev.asgard.backup.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** backup-agent settings ({@code asgard.backup.*}); the table is in the README. */
@ConfigMapping(prefix = "asgard.backup")
public interface BackupConfig {

    /** @return encryption of repository secrets at rest */
    Secrets secrets();

    /** @return how restic is run */
    ResticSettings restic();

    /** Encryption of repository passwords and backend credentials (AES-256-GCM). */
    interface Secrets {
        /** @return the key (base64 of 32 bytes), from the environment or a Kubernetes Secret */
        Optional<String> key();

        /** @return a file holding the key (base64), when {@link #key()} is not set */
        Optional<Path> keyFile();

        /** @return the id of the current key, written into every new ciphertext (1 to 32 characters) */
        @WithDefault("k1")
        String keyId();

        /** @return earlier keys by id (base64), still accepted for decryption while secrets are re-encrypted */
        Map<String, String> previousKeys();

        /** @return where a key is generated when neither key nor key-file is set (development and tests only) */
        @WithDefault("${user.home}/.asgard/backup-secrets.key")
        Path generatedKeyFile();
    }

    /** The restic binary and its limits. */
    interface ResticSettings {
        /** @return the restic executable, a name on PATH or a path */
        @WithDefault("restic")
        String binary();

        /** @return timeout of short commands (init, snapshots, stats) */
        @WithDefault("5m")
        Duration commandTimeout();

        /** @return how long restic may take to exit after SIGINT before it is terminated (may leave a lock) */
        @WithDefault("10s")
        Duration cancelGracePeriod();

        /** @return restic's cache folder; restic's default (~/.cache/restic) when unset */
        Optional<Path> cacheDir();

        /**
         * @return status lines a second that {@code restic backup --json} prints (its {@code RESTIC_PROGRESS_FPS});
         *         the agent passes progress on at most once a second, restic's default is 60; 0 keeps the default
         */
        @WithDefault("4")
        double backupProgressFps();
    }
}
