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
 * @param labels labels, same syntax as device labels
 * @param checkSchedule when backup-agent checks the repository by itself; absent for checks on demand only
 * @param checkReadData for scheduled checks: whether to read and verify pack data too
 * @param checkReadDataSubset for scheduled checks with checkReadData: the subset to read (10%, 1/5); empty all
 */
public record CreateRepositoryRequest(String name, String description, String backend, String url,
        Map<String, String> backendOptions, String password, Map<String, String> backendSecrets,
        Map<String, String> labels, CheckScheduleSpec checkSchedule, Boolean checkReadData,
        String checkReadDataSubset) {

    /**
     * The fields of the first version of this body, without labels or scheduled checks.
     *
     * @param name unique DNS label
     * @param description free text
     * @param backend the backend
     * @param url restic location
     * @param backendOptions non-secret options
     * @param password the repository password
     * @param backendSecrets backend credentials
     */
    public CreateRepositoryRequest(String name, String description, String backend, String url,
            Map<String, String> backendOptions, String password, Map<String, String> backendSecrets) {
        this(name, description, backend, url, backendOptions, password, backendSecrets, null, null, null, null);
    }

    @Override
    public String toString() {
        return "CreateRepositoryRequest[name=" + name + ", backend=" + backend + ", url=" + url + "]";
    }
}
