package dev.asgard.backup.service;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.secrets.SecretBox;

/**
 * The secrets of a repository row: sealed with {@link SecretBox} before they are stored (each ciphertext bound to
 * its row and column), opened only to build restic's environment or to merge a partial change. Nothing here logs.
 */
@ApplicationScoped
public class RepositorySecretStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SecretBox box;

    public RepositorySecretStore(SecretBox box) {
        this.box = box;
    }

    void sealPassword(BackupRepository r, String password) {
        r.passwordCiphertext = box.seal(r.passwordContext(), password.getBytes(StandardCharsets.UTF_8));
    }

    String openPassword(BackupRepository r) {
        return new String(box.open(r.passwordContext(), r.passwordCiphertext), StandardCharsets.UTF_8);
    }

    /** Stores the credentials and their names; none (null or empty) clears both. */
    void sealSecrets(BackupRepository r, Map<String, String> secrets) {
        if (secrets == null || secrets.isEmpty()) {
            r.secretsCiphertext = null;
            r.secretNames = new String[0];
            return;
        }
        try {
            r.secretsCiphertext = box.seal(r.secretsContext(), JSON.writeValueAsBytes(new TreeMap<>(secrets)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode backend secrets", e);
        }
        r.secretNames = new TreeMap<>(secrets).keySet().toArray(String[]::new);
    }

    Map<String, String> openSecrets(BackupRepository r) {
        if (r.secretsCiphertext == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(box.open(r.secretsContext(), r.secretsCiphertext),
                    new TypeReference<Map<String, String>>() {
                    });
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored backend secrets of repository " + r.id + " are not a map");
        }
    }
}
