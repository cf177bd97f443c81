package dev.asgard.backup.rest.dto;

import java.util.Map;

/**
 * Body of {@code PATCH /api/v1/repositories/{id}}: absent (null) fields stay as they are.
 *
 * @param description new description
 * @param url new location (same backend)
 * @param backendOptions replaces all options
 * @param password new repository password to use (write-only). This does not change the key inside the
 *        repository (restic key passwd): it is for a password that was changed outside or entered wrongly.
 * @param backendSecrets replaces all backend credentials (write-only)
 */
public record UpdateRepositoryRequest(String description, String url, Map<String, String> backendOptions,
        String password, Map<String, String> backendSecrets) {

    @Override
    public String toString() {
        return "UpdateRepositoryRequest[url=" + url + "]";
    }
}
