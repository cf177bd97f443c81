package dev.asgard.backup.rest.dto;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A repository as shown to administrators: never its password or backend credentials, only whether they are
 * set.
 *
 * @param id repository id
 * @param name name
 * @param description description
 * @param backend local, sftp, s3, rest or rclone
 * @param url restic location
 * @param backendOptions non-secret options
 * @param passwordSet whether a password is stored
 * @param backendSecretNames names of the stored credentials
 * @param state last observed state
 * @param createTime when added
 * @param updateTime when last changed
 * @param revision incremented on every change
 * @param labels labels
 * @param checkSchedule when the repository is checked by itself; null for checks on demand only
 * @param checkReadData whether scheduled checks read pack data
 * @param checkReadDataSubset the subset scheduled checks read; empty for all
 * @param nextCheckTime when the next scheduled check is due; null without a schedule
 */
public record RepositoryView(String id, String name, String description, String backend, String url,
        Map<String, String> backendOptions, boolean passwordSet, List<String> backendSecretNames,
        RepositoryStateView state, Instant createTime, Instant updateTime, long revision, Map<String, String> labels,
        CheckScheduleSpec checkSchedule, boolean checkReadData, String checkReadDataSubset, Instant nextCheckTime) {
}
