package dev.asgard.backup.mapping;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Duration;

import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.rest.dto.CheckScheduleSpec;
import dev.asgard.backup.rest.dto.CreateRepositoryRequest;
import dev.asgard.backup.service.CheckReport;
import dev.asgard.backup.service.RepositoryChange;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.backup.v1.BackendType;
import dev.asgard.proto.backup.v1.CheckOutcome;
import dev.asgard.proto.backup.v1.Repository;
import dev.asgard.proto.backup.v1.RepositorySecrets;
import dev.asgard.proto.backup.v1.RepositoryState;
import dev.asgard.proto.backup.v1.Schedule;
import dev.asgard.proto.backup.v1.UpdateRepositoryRequest;

/**
 * Repositories between the entity, the proto {@link Repository} and the requests the service validates, so gRPC
 * and REST share one set of rules (as for jobs, field names in violations are the REST names: {@code password},
 * {@code backendSecrets.AWS_ACCESS_KEY_ID}, {@code checkSchedule.cron}). Secrets only go in: nothing here maps a
 * stored secret out.
 */
@ApplicationScoped
public class RepositoryProtoMapper {

    /** The update_mask paths the contract allows. */
    static final Set<String> UPDATABLE = Set.of("name", "description", "url", "backend", "backend_options", "labels",
            "check_schedule", "check_read_data", "check_read_data_subset");

    /**
     * @param r the entity
     * @return the proto repository: whether a password is set and the names of the credentials, never a value
     */
    public Repository toProto(BackupRepository r) {
        Repository.Builder b = Repository.newBuilder().setRepositoryId(r.id.toString()).setName(r.name)
                .setDescription(r.description).setBackend(backend(r.backend)).setUrl(r.url)
                .putAllBackendOptions(new TreeMap<>(r.backendOptions)).putAllLabels(new TreeMap<>(r.labels))
                .setPasswordSet(r.passwordCiphertext != null).addAllBackendSecretNames(List.of(r.secretNames))
                .setState(state(r)).setCreateTime(RunMapper.timestamp(r.createdAt))
                .setUpdateTime(RunMapper.timestamp(r.updatedAt)).setRevision(r.revision)
                .setCheckReadData(r.checkReadData).setCheckReadDataSubset(r.checkReadDataSubset);
        if (r.checkCron != null || r.checkIntervalMs != null) {
            Schedule.Builder s = Schedule.newBuilder().setTimeZone(r.checkTimeZone);
            if (r.checkCron != null) {
                s.setCron(r.checkCron);
            } else {
                s.setInterval(RunMapper.millis(r.checkIntervalMs));
            }
            if (r.checkJitterMs > 0) {
                s.setJitter(RunMapper.millis(r.checkJitterMs));
            }
            b.setCheckSchedule(s);
        }
        return b.build();
    }

    private static RepositoryState state(BackupRepository r) {
        RepositoryState.Builder s = RepositoryState.newBuilder().setReachable(Boolean.TRUE.equals(r.reachable))
                .setInitialized(Boolean.TRUE.equals(r.initialized))
                .setSizeBytes(r.sizeBytes == null ? 0 : r.sizeBytes)
                .setSnapshotCount(r.snapshotCount == null ? 0 : r.snapshotCount)
                .setLastError(r.lastError == null ? "" : r.lastError).setLastCheckOutcome(outcome(r.lastCheckOutcome));
        if (r.lastCheckAt != null) {
            s.setLastCheckTime(RunMapper.timestamp(r.lastCheckAt));
        }
        if (r.observedAt != null) {
            s.setObserveTime(RunMapper.timestamp(r.observedAt));
        }
        return s.build();
    }

    private static CheckOutcome outcome(String stored) {
        if (stored == null) {
            return CheckOutcome.CHECK_OUTCOME_UNSPECIFIED;
        }
        return switch (CheckReport.Outcome.valueOf(stored.toUpperCase(Locale.ROOT))) {
            case PASSED -> CheckOutcome.CHECK_OUTCOME_PASSED;
            case ERRORS_FOUND -> CheckOutcome.CHECK_OUTCOME_ERRORS_FOUND;
            case FAILED -> CheckOutcome.CHECK_OUTCOME_FAILED;
        };
    }

    /**
     * @param repository the proto repository (output-only fields ignored)
     * @param secrets its secrets
     * @return the request the service validates
     */
    public CreateRepositoryRequest toCreate(Repository repository, RepositorySecrets secrets) {
        return new CreateRepositoryRequest(repository.getName(), repository.getDescription(),
                backend(repository.getBackend()), repository.getUrl(), repository.getBackendOptionsMap(),
                secrets.getPassword().isEmpty() ? null : secrets.getPassword(), secrets.getBackendSecretsMap(),
                repository.getLabelsMap(), repository.hasCheckSchedule() ? schedule(repository.getCheckSchedule()) : null,
                repository.getCheckReadData(), repository.getCheckReadDataSubset());
    }

    /**
     * Reads only the fields named in the mask; secrets merge (an empty password keeps the stored one, each
     * backend secret given replaces the one of that name) and a new password is verified before it is stored.
     *
     * @param request the update request
     * @return the change
     * @throws AsgardException INVALID_ARGUMENT {@code INVALID_UPDATE_MASK} for paths outside {@link #UPDATABLE} or
     *         a request that changes nothing
     */
    public RepositoryChange toChange(UpdateRepositoryRequest request) {
        List<String> paths = request.getUpdateMask().getPathsList();
        for (String path : paths) {
            if (!UPDATABLE.contains(path)) {
                throw AsgardException.invalidArgument("INVALID_UPDATE_MASK", "'%s' cannot be updated.", path)
                        .withViolation("update_mask", "'" + path + "' is not updatable; allowed are "
                                + String.join(", ", new java.util.TreeSet<>(UPDATABLE)));
            }
        }
        RepositorySecrets secrets = request.getSecrets();
        if (paths.isEmpty() && secrets.getPassword().isEmpty() && secrets.getBackendSecretsCount() == 0
                && request.getRemoveBackendSecretsCount() == 0) {
            throw AsgardException.invalidArgument("INVALID_UPDATE_MASK", "The request changes nothing.")
                    .withViolation("update_mask", "name the fields to update, or send secrets or "
                            + "remove_backend_secrets");
        }
        Repository r = request.getRepository();
        return new RepositoryChange(paths.contains("name") ? r.getName() : null,
                paths.contains("description") ? r.getDescription() : null,
                paths.contains("backend") ? backendOrEmpty(r.getBackend()) : null,
                paths.contains("url") ? r.getUrl() : null,
                paths.contains("backend_options") ? r.getBackendOptionsMap() : null,
                paths.contains("labels") ? r.getLabelsMap() : null,
                paths.contains("check_schedule") ? r.hasCheckSchedule() ? schedule(r.getCheckSchedule())
                        : new CheckScheduleSpec(null, null, null, null) : null,
                paths.contains("check_read_data") ? r.getCheckReadData() : null,
                paths.contains("check_read_data_subset") ? r.getCheckReadDataSubset() : null,
                secrets.getPassword().isEmpty() ? null : secrets.getPassword(),
                secrets.getBackendSecretsCount() == 0 ? null : secrets.getBackendSecretsMap(), false,
                request.getRemoveBackendSecretsList(), true,
                request.getExpectedRevision() == 0 ? null : request.getExpectedRevision());
    }

    private static CheckScheduleSpec schedule(Schedule s) {
        return new CheckScheduleSpec(s.getSpecCase() == Schedule.SpecCase.CRON ? s.getCron() : null,
                s.hasInterval() ? iso(s.getInterval()) : null, s.getTimeZone(),
                s.hasJitter() ? iso(s.getJitter()) : null);
    }

    /**
     * @param backend a proto backend
     * @return the stored name; null for BACKEND_TYPE_UNSPECIFIED (so "is required"), an unknown name otherwise
     */
    public static String backend(BackendType backend) {
        return switch (backend) {
            case BACKEND_TYPE_UNSPECIFIED -> null;
            case BACKEND_TYPE_LOCAL -> "local";
            case BACKEND_TYPE_SFTP -> "sftp";
            case BACKEND_TYPE_S3 -> "s3";
            case BACKEND_TYPE_REST -> "rest";
            case BACKEND_TYPE_RCLONE -> "rclone";
            default -> "unrecognized";
        };
    }

    private static String backendOrEmpty(BackendType backend) {
        String name = backend(backend);
        return name == null ? "" : name;
    }

    /**
     * @param stored the stored backend name
     * @return the proto backend
     */
    public static BackendType backend(String stored) {
        return BackendType.valueOf("BACKEND_TYPE_" + stored.toUpperCase(Locale.ROOT));
    }

    private static String iso(Duration d) {
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos()).toString();
    }
}
