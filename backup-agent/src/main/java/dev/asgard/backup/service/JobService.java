package dev.asgard.backup.service;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.repository.BackupJobRepository;
import dev.asgard.backup.repository.BackupRepositoryRepository;
import dev.asgard.backup.rest.dto.JobRequest;
import dev.asgard.backup.secrets.SecretBox;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/** Backup jobs: validation, storage, and the first planned start whenever the schedule changes. */
@ApplicationScoped
public class JobService {

    private final BackupJobRepository jobs;
    private final BackupRepositoryRepository repositories;
    private final PageTokenCodec pageTokens;
    private final SecretBox box;
    private final Clock clock;

    public JobService(BackupJobRepository jobs, BackupRepositoryRepository repositories, PageTokenCodec pageTokens,
            SecretBox box, Clock clock) {
        this.jobs = jobs;
        this.repositories = repositories;
        this.pageTokens = pageTokens;
        this.box = box;
        this.clock = clock;
    }

    /**
     * Opens the pg_dump password of a job, for pg_dump's environment only.
     *
     * @param j the job
     * @return the password, or null when none is stored
     */
    public String pgPassword(BackupJob j) {
        return j.pgPasswordCiphertext == null ? null
                : new String(box.open(j.pgPasswordContext(), j.pgPasswordCiphertext), StandardCharsets.UTF_8);
    }

    private void sealPgPassword(BackupJob j, String password) {
        j.pgPasswordCiphertext = password == null ? null
                : box.seal(j.pgPasswordContext(), password.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param request the job
     * @return the stored job
     * @throws AsgardException INVALID_ARGUMENT with violations (nothing stored), ALREADY_EXISTS for a taken name
     */
    @WithTransaction
    public Uni<BackupJob> create(JobRequest request) {
        Validation v = Validation.create();
        BackupJob j = JobValidation.read(v, request);
        v.throwIfInvalid();
        return requireRepository(j.repositoryId)
                .chain(() -> jobs.nameTaken(j.name))
                .chain(taken -> {
                    if (taken) {
                        return Uni.createFrom().failure(nameTaken(j.name));
                    }
                    Instant now = now();
                    j.id = UUID.randomUUID();
                    j.createdAt = now;
                    j.updatedAt = now;
                    j.scheduleAnchorAt = now;
                    plan(j, now);
                    if (j.isPgDump()) {
                        sealPgPassword(j, j.pgPasswordPlain);
                    }
                    return jobs.persist(j);
                });
    }

    /**
     * Replaces a job's settings; its history and scheduler state stay, except that a changed schedule (or
     * enabling) plans the next start afresh from now.
     *
     * @param id the job
     * @param request the whole new job
     * @param expectedRevision when not null, the change applies only to this revision
     * @return the job after the change
     */
    @WithTransaction
    public Uni<BackupJob> replace(UUID id, JobRequest request, Long expectedRevision) {
        Validation v = Validation.create();
        BackupJob draft = JobValidation.read(v, request);
        v.throwIfInvalid();
        return get(id).chain(j -> {
            if (expectedRevision != null && expectedRevision != j.revision) {
                return Uni.createFrom().failure(AsgardException.aborted("JOB_REVISION_MISMATCH",
                        "The job is at revision %d, not %d.", j.revision, expectedRevision)
                        .withHint("Read the job again (GET), apply your change to it and send it with the new ETag."));
            }
            Uni<Void> checks = requireRepository(draft.repositoryId);
            if (!j.name.equals(draft.name)) {
                checks = checks.chain(() -> jobs.nameTaken(draft.name)).chain(taken -> taken
                        ? Uni.createFrom().failure(nameTaken(draft.name)) : Uni.createFrom().voidItem());
            }
            return checks.map(ignored -> {
                boolean replan = !Objects.equals(j.scheduleCron, draft.scheduleCron)
                        || !Objects.equals(j.scheduleIntervalMs, draft.scheduleIntervalMs)
                        || !j.timeZone.equals(draft.timeZone) || (draft.enabled && !j.enabled);
                String oldType = j.type;
                copySettings(draft, j);
                if (!j.isPgDump()) {
                    j.pgPasswordCiphertext = null;
                } else if (draft.pgPasswordPlain != null || !"pg_dump".equals(oldType)) {
                    sealPgPassword(j, draft.pgPasswordPlain);
                }
                Instant now = now();
                j.updatedAt = now;
                if (replan) {
                    j.scheduleAnchorAt = now;
                    plan(j, now);
                } else if (!j.enabled) {
                    j.nextRunAt = null;
                }
                return j;
            });
        });
    }

    /**
     * @param id the job
     * @return done; its runs stay in the history without a job
     */
    @WithTransaction
    public Uni<Void> delete(UUID id) {
        return get(id).chain(j -> jobs.delete(j));
    }

    /**
     * @param id the job
     * @return it
     * @throws AsgardException NOT_FOUND {@code JOB_NOT_FOUND}
     */
    @WithSession
    public Uni<BackupJob> get(UUID id) {
        return jobs.findById(id).onItem().ifNull().failWith(() -> AsgardException.notFound("JOB_NOT_FOUND",
                "No job with id %s.", id).withHint("List jobs with GET /api/v1/jobs for ids."));
    }

    /**
     * @param page size and cursor
     * @param repositoryId only jobs of this repository, or null
     * @return one page by name
     */
    @WithSession
    public Uni<Page<BackupJob>> list(PageRequest page, UUID repositoryId) {
        String query = PageTokenCodec.query("jobs", repositoryId == null ? "" : repositoryId.toString());
        String after = page.token().map(t -> pageTokens.decode(t, query).get(0)).orElse(null);
        return jobs.page(after, repositoryId, page.fetchSize())
                .map(rows -> Page.fromOverfetch(rows, page, last -> pageTokens.encode(query, last.name)));
    }

    private void plan(BackupJob j, Instant now) {
        j.nextRunAt = j.enabled ? j.schedule().flatMap(s -> s.nextAfter(now)).orElse(null) : null;
        j.lastScheduledAt = null;
    }

    private Uni<Void> requireRepository(UUID repositoryId) {
        return repositories.findById(repositoryId).chain(r -> r != null ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(AsgardException.invalidArgument(java.util.List.of(
                        new dev.asgard.commons.error.FieldViolation("repositoryId",
                                "no repository with id " + repositoryId + "; add it first (POST /api/v1/repositories)")))));
    }

    private static AsgardException nameTaken(String name) {
        return AsgardException.alreadyExists("JOB_NAME_TAKEN", "A job named '%s' exists.", name)
                .withHint("Choose another name.");
    }

    private static void copySettings(BackupJob from, BackupJob to) {
        to.name = from.name;
        to.description = from.description;
        to.repositoryId = from.repositoryId;
        to.type = from.type;
        to.paths = from.paths;
        to.pgHost = from.pgHost;
        to.pgPort = from.pgPort;
        to.pgDatabase = from.pgDatabase;
        to.pgUsername = from.pgUsername;
        to.pgFormat = from.pgFormat;
        to.pgSchemas = from.pgSchemas;
        to.pgExcludeTables = from.pgExcludeTables;
        to.pgStdinFilename = from.pgStdinFilename;
        to.pgSslMode = from.pgSslMode;
        to.excludes = from.excludes;
        to.excludeCaches = from.excludeCaches;
        to.excludeIfPresent = from.excludeIfPresent;
        to.oneFileSystem = from.oneFileSystem;
        to.excludeLargerThanBytes = from.excludeLargerThanBytes;
        to.tags = from.tags;
        to.host = from.host;
        to.agentId = from.agentId;
        to.scheduleCron = from.scheduleCron;
        to.scheduleIntervalMs = from.scheduleIntervalMs;
        to.timeZone = from.timeZone;
        to.scheduleJitterMs = from.scheduleJitterMs;
        to.retentionSet = from.retentionSet;
        to.keepLast = from.keepLast;
        to.keepHourly = from.keepHourly;
        to.keepDaily = from.keepDaily;
        to.keepWeekly = from.keepWeekly;
        to.keepMonthly = from.keepMonthly;
        to.keepYearly = from.keepYearly;
        to.keepWithinMs = from.keepWithinMs;
        to.keepTags = from.keepTags;
        to.prune = from.prune;
        to.missedRunMode = from.missedRunMode;
        to.missedRunGraceMs = from.missedRunGraceMs;
        to.maxCatchUpRuns = from.maxCatchUpRuns;
        to.retryMaxAttempts = from.retryMaxAttempts;
        to.retryInitialDelayMs = from.retryInitialDelayMs;
        to.retryMultiplier = from.retryMultiplier;
        to.retryMaxDelayMs = from.retryMaxDelayMs;
        to.runHistoryLimit = from.runHistoryLimit;
        to.runTimeoutMs = from.runTimeoutMs;
        to.enabled = from.enabled;
    }

    /** PostgreSQL keeps microseconds: times are truncated so an answer equals what a later read returns. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }
}
