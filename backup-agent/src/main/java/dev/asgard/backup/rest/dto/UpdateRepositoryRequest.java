package dev.asgard.backup.rest.dto;

import java.util.Map;

/**
 * Body of {@code PATCH /api/v1/repositories/{id}}: absent (null) fields stay as they are.
 *
 * @param description new description
 * @param url new location (valid for the backend after the change)
 * @param backendOptions replaces all options
 * @param password new repository password to use (write-only). This does not change the key inside the
 *        repository (restic key passwd): it is for a password that was changed outside or entered wrongly.
 * @param backendSecrets replaces all backend credentials (write-only)
 * @param name new unique name
 * @param backend new backend (local, sftp, s3, rest, rclone); the url must fit it
 * @param labels replaces all labels
 * @param checkSchedule new schedule of checks; an object without cron and interval removes it
 * @param checkReadData for scheduled checks: whether to read pack data
 * @param checkReadDataSubset for scheduled checks: the subset to read; empty for all
 */
public record UpdateRepositoryRequest(String description, String url, Map<String, String> backendOptions,
        String password, Map<String, String> backendSecrets, String name, String backend, Map<String, String> labels,
        CheckScheduleSpec checkSchedule, Boolean checkReadData, String checkReadDataSubset) {

    @Override
    public String toString() {
        return "UpdateRepositoryRequest[name=" + name + ", url=" + url + "]";
    }
}
