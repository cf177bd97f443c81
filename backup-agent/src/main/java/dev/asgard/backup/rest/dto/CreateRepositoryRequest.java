package dev.asgard.backup.rest.dto;

import java.util.Map;

/**
 * Body of {@code POST /api/v1/repositories}.
 *
 * @param name unique DNS label
 * @param description free text, at most 1024 characters
 * @param backend local, sftp, s3, rest or rclone
 * @param url restic repository location without credentials (local: an absolute path)
 * @param backendOptions non-secret {@code restic -o key=value} options
 * @param password the repository password (write-only; at least 8 characters)
 * @param backendSecrets backend credentials as restic environment variables (write-only)
 */
public record CreateRepositoryRequest(String name, String description, String backend, String url,
        Map<String, String> backendOptions, String password, Map<String, String> backendSecrets) {

    @Override
    public String toString() {
        return "CreateRepositoryRequest[name=" + name + ", backend=" + backend + ", url=" + url + "]";
    }
}
