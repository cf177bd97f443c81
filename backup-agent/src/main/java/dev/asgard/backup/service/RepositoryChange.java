package dev.asgard.backup.service;

import java.util.List;
import java.util.Map;

import dev.asgard.backup.rest.dto.CheckScheduleSpec;
import dev.asgard.backup.rest.dto.UpdateRepositoryRequest;

/**
 * A change of a repository, the one form REST's PATCH and gRPC's UpdateRepository both become. A null field stays
 * as it is. Secrets are write-only: {@link #toString()} never shows them.
 *
 * @param name new name
 * @param description new description
 * @param backend new backend (local, sftp, s3, rest, rclone)
 * @param url new location
 * @param backendOptions replaces all options
 * @param labels replaces all labels
 * @param checkSchedule new check schedule; one without cron and interval removes it
 * @param checkReadData whether scheduled checks read pack data
 * @param checkReadDataSubset the subset scheduled checks read
 * @param password new repository password
 * @param backendSecrets backend credentials: all of them (replaceBackendSecrets) or only those to set
 * @param replaceBackendSecrets whether backendSecrets replaces every stored credential (REST) rather than only the
 *        named ones (gRPC)
 * @param removeBackendSecrets names of stored credentials to remove
 * @param verifyPassword whether a new password must open the repository before it is stored
 * @param expectedRevision when not null, the change applies only to this revision
 */
public record RepositoryChange(String name, String description, String backend, String url,
        Map<String, String> backendOptions, Map<String, String> labels, CheckScheduleSpec checkSchedule,
        Boolean checkReadData, String checkReadDataSubset, String password, Map<String, String> backendSecrets,
        boolean replaceBackendSecrets, List<String> removeBackendSecrets, boolean verifyPassword,
        Long expectedRevision) {

    /** Never null list. */
    public RepositoryChange {
        removeBackendSecrets = removeBackendSecrets == null ? List.of() : List.copyOf(removeBackendSecrets);
    }

    /**
     * @param r a REST PATCH body: backendSecrets replaces all credentials, a password is taken as given
     * @param expectedRevision from If-Match, or null
     * @return the change
     */
    public static RepositoryChange of(UpdateRepositoryRequest r, Long expectedRevision) {
        return new RepositoryChange(r.name(), r.description(), r.backend(), r.url(), r.backendOptions(), r.labels(),
                r.checkSchedule(), r.checkReadData(), r.checkReadDataSubset(), r.password(), r.backendSecrets(), true,
                List.of(), false, expectedRevision);
    }

    @Override
    public String toString() {
        return "RepositoryChange[name=" + name + ", backend=" + backend + ", url=" + url + ", password="
                + (password == null ? "unchanged" : "***") + ", backendSecrets="
                + (backendSecrets == null ? "unchanged" : backendSecrets.keySet()) + "]";
    }
}
