package dev.asgard.backup.mapping;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.rest.dto.CheckScheduleSpec;
import dev.asgard.backup.rest.dto.RepositoryStateView;
import dev.asgard.backup.rest.dto.RepositoryView;

/** Entity to REST view. Never maps a secret. */
@ApplicationScoped
public class RepositoryMapper {

    /**
     * @param r the entity
     * @return the view
     */
    public RepositoryView toView(BackupRepository r) {
        Map<String, String> options = new TreeMap<>(r.backendOptions);
        return new RepositoryView(r.id.toString(), r.name, r.description, r.backend, r.url, options,
                r.passwordCiphertext != null, List.of(r.secretNames),
                new RepositoryStateView(r.initialized, r.reachable, r.locked, r.lockCount, r.sizeBytes,
                        r.snapshotCount, r.lastError, r.observedAt, r.lastCheckAt, r.lastCheckOutcome),
                r.createdAt, r.updatedAt, r.revision, new TreeMap<>(r.labels), checkSchedule(r), r.checkReadData,
                r.checkReadDataSubset, r.nextCheckAt);
    }

    private static CheckScheduleSpec checkSchedule(BackupRepository r) {
        if (r.checkCron == null && r.checkIntervalMs == null) {
            return null;
        }
        return new CheckScheduleSpec(r.checkCron,
                r.checkIntervalMs == null ? null : Duration.ofMillis(r.checkIntervalMs).toString(), r.checkTimeZone,
                r.checkJitterMs == 0 ? null : Duration.ofMillis(r.checkJitterMs).toString());
    }
}
