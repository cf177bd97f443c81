package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.entity.BackupRepository.Backend;
import dev.asgard.backup.repository.BackupRepositoryRepository;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.rest.dto.CreateRepositoryRequest;
import dev.asgard.backup.rest.dto.UpdateRepositoryRequest;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Repositories in PostgreSQL: validation, secrets sealed before they are stored, and opened only into a
 * {@link ResticRepo} for restic's environment.
 */
@ApplicationScoped
public class RepositoryService {

    private final BackupRepositoryRepository repository;
    private final RepositorySecretStore secrets;
    private final PageTokenCodec pageTokens;
    private final Clock clock;

    public RepositoryService(BackupRepositoryRepository repository, RepositorySecretStore secrets,
            PageTokenCodec pageTokens, Clock clock) {
        this.repository = repository;
        this.secrets = secrets;
        this.pageTokens = pageTokens;
        this.clock = clock;
    }

    /**
     * Adds a repository (does not touch the storage: {@code init} does).
     *
     * @param request the request
     * @return the stored repository
     * @throws AsgardException INVALID_ARGUMENT with violations (nothing stored), ALREADY_EXISTS for a taken name
     */
    public Uni<BackupRepository> create(CreateRepositoryRequest request) {
        return create(request, null);
    }

    /**
     * Adds a repository, once per idempotency key: a retry with the key of an earlier successful call returns
     * the repository that call created (as it is now), without looking at the request again.
     *
     * @param request the request
     * @param requestId the idempotency key, or null
     * @return the stored repository
     * @throws AsgardException INVALID_ARGUMENT with violations (nothing stored), ALREADY_EXISTS for a taken name
     */
    @WithTransaction
    public Uni<BackupRepository> create(CreateRepositoryRequest request, String requestId) {
        Validation key = Validation.create();
        RepositoryValidation.requestId(key, requestId);
        key.throwIfInvalid();
        Uni<BackupRepository> earlier = requestId == null ? Uni.createFrom().nullItem()
                : repository.findByRequestId(requestId);
        return earlier.chain(e -> e != null ? Uni.createFrom().item(e) : insert(request, requestId));
    }

    private Uni<BackupRepository> insert(CreateRepositoryRequest request, String requestId) {
        Validation v = Validation.create();
        RepositoryValidation.name(v, request.name());
        RepositoryValidation.description(v, request.description());
        Backend backend = RepositoryValidation.backend(v, request.backend());
        RepositoryValidation.url(v, backend, request.url());
        RepositoryValidation.options(v, request.backendOptions());
        RepositoryValidation.password(v, "password", request.password());
        RepositoryValidation.secrets(v, backend, request.backendSecrets());
        RepositoryValidation.labels(v, request.labels());
        RepositoryValidation.CheckPlan schedule = RepositoryValidation.checkSchedule(v, request.checkSchedule());
        boolean readData = Boolean.TRUE.equals(request.checkReadData());
        String subset = request.checkReadDataSubset() == null ? "" : request.checkReadDataSubset();
        RepositoryValidation.checkReadData(v, readData, subset);
        v.throwIfInvalid();
        return repository.nameTaken(request.name()).chain(taken -> {
            if (taken) {
                return Uni.createFrom().failure(nameTaken(request.name()));
            }
            Instant now = now();
            BackupRepository r = new BackupRepository();
            r.id = UUID.randomUUID();
            r.name = request.name();
            r.description = request.description() == null ? "" : request.description();
            r.backend = backend.name().toLowerCase(java.util.Locale.ROOT);
            r.url = request.url();
            r.backendOptions = request.backendOptions() == null ? new LinkedHashMap<>()
                    : new LinkedHashMap<>(request.backendOptions());
            r.labels = request.labels() == null ? new LinkedHashMap<>() : new TreeMap<>(request.labels());
            r.requestId = requestId;
            // The first revision is 1 (as the column default says): 0 means "any revision" in expected_revision.
            r.revision = 1;
            r.createdAt = now;
            r.updatedAt = now;
            r.checkReadData = readData;
            r.checkReadDataSubset = subset;
            applySchedule(r, schedule, now);
            secrets.sealPassword(r, request.password());
            secrets.sealSecrets(r, request.backendSecrets());
            return repository.persist(r);
        });
    }

    /**
     * Changes a repository (REST PATCH); absent fields stay.
     *
     * @param id the repository
     * @param request the changes
     * @return the repository after the change
     */
    public Uni<BackupRepository> update(UUID id, UpdateRepositoryRequest request) {
        return update(id, RepositoryChange.of(request, null));
    }

    /**
     * Changes a repository: every given field is validated against the repository as it will be (a new url
     * against a new backend, the required credentials of the backend against the merged credentials), then all
     * apply together or nothing does. A changed location forgets the observed state; a changed check schedule
     * plans the next check afresh from now.
     *
     * @param id the repository
     * @param change the change
     * @return the repository after the change
     * @throws AsgardException INVALID_ARGUMENT with violations, ABORTED {@code REPOSITORY_REVISION_MISMATCH},
     *         ALREADY_EXISTS {@code REPOSITORY_NAME_TAKEN}, NOT_FOUND
     */
    @WithTransaction
    public Uni<BackupRepository> update(UUID id, RepositoryChange change) {
        // The name is looked up before the repository is loaded: a query after the load would flush it once more
        // (Hibernate always sees its JSON columns as changed) and bump the revision twice.
        Uni<Boolean> taken = change.name() == null ? Uni.createFrom().item(false)
                : repository.count("name = ?1 and id <> ?2", change.name(), id).map(n -> n > 0);
        return taken.chain(isTaken -> get(id).chain(r -> {
            Target t = target(r, change);
            if (change.expectedRevision() != null && change.expectedRevision() != r.revision) {
                return Uni.createFrom().failure(AsgardException.aborted("REPOSITORY_REVISION_MISMATCH",
                        "The repository is at revision %d, not %d.", r.revision, change.expectedRevision())
                        .withHint("Read the repository again, apply your change to it and send it with its "
                                + "current revision."));
            }
            return isTaken ? Uni.createFrom().failure(nameTaken(t.name())) : Uni.createFrom().item(() -> apply(r, t));
        }));
    }

    /**
     * Where the repository will be and how to open it after a change, without changing anything: used to try a
     * new password before it is stored.
     *
     * @param id the repository
     * @param change the change (validated as by {@link #update(UUID, RepositoryChange)})
     * @return the repository as restic would see it after the change
     */
    @WithSession
    public Uni<ResticRepo> preview(UUID id, RepositoryChange change) {
        return get(id).map(r -> {
            Target t = target(r, change);
            String password = t.password() != null ? t.password() : secrets.openPassword(r);
            Map<String, String> credentials = t.secrets() != null ? t.secrets() : secrets.openSecrets(r);
            return new ResticRepo(t.url(), password, credentials, t.options());
        });
    }

    /** The repository's settings after a change; null password and secrets mean unchanged. */
    private record Target(String name, String description, Backend backend, String url, Map<String, String> options,
            Map<String, String> labels, RepositoryValidation.CheckPlan schedule, boolean readData, String subset,
            String password, Map<String, String> secrets) {
    }

    private Target target(BackupRepository r, RepositoryChange c) {
        Validation v = Validation.create();
        Backend stored = Backend.valueOf(r.backend.toUpperCase(java.util.Locale.ROOT));
        if (c.name() != null) {
            RepositoryValidation.name(v, c.name());
        }
        RepositoryValidation.description(v, c.description());
        Backend backend = c.backend() == null ? stored : RepositoryValidation.backend(v, c.backend());
        String url = c.url() != null ? c.url() : r.url;
        if (c.url() != null || backend != stored) {
            RepositoryValidation.url(v, backend, url);
        }
        RepositoryValidation.options(v, c.backendOptions());
        RepositoryValidation.labels(v, c.labels());
        RepositoryValidation.CheckPlan schedule = c.checkSchedule() == null ? null
                : RepositoryValidation.checkSchedule(v, c.checkSchedule());
        boolean readData = c.checkReadData() != null ? c.checkReadData() : r.checkReadData;
        String subset = c.checkReadDataSubset() != null ? c.checkReadDataSubset() : r.checkReadDataSubset;
        if (c.checkReadData() != null || c.checkReadDataSubset() != null) {
            RepositoryValidation.checkReadData(v, readData, subset);
        }
        if (c.password() != null) {
            RepositoryValidation.password(v, "password", c.password());
        }
        Map<String, String> merged = null;
        if (c.backendSecrets() != null || !c.removeBackendSecrets().isEmpty() || backend != stored) {
            Map<String, String> current = secrets.openSecrets(r);
            merged = new TreeMap<>(c.replaceBackendSecrets() && c.backendSecrets() != null ? Map.of() : current);
            if (c.backendSecrets() != null) {
                merged.putAll(c.backendSecrets());
            }
            for (int i = 0; i < c.removeBackendSecrets().size(); i++) {
                String name = c.removeBackendSecrets().get(i);
                if (c.backendSecrets() != null && c.backendSecrets().containsKey(name)) {
                    v.add("removeBackendSecrets[" + i + "]", "'" + name + "' is also set in backendSecrets");
                } else if (merged.remove(name) == null) {
                    v.add("removeBackendSecrets[" + i + "]", "no backend secret named '" + name + "' is stored");
                }
            }
            RepositoryValidation.secrets(v, backend, merged);
        }
        v.throwIfInvalid();
        return new Target(c.name() != null ? c.name() : r.name,
                c.description() != null ? c.description() : r.description, backend, url,
                c.backendOptions() != null ? new LinkedHashMap<>(c.backendOptions()) : r.backendOptions,
                c.labels() != null ? new TreeMap<>(c.labels()) : r.labels, schedule, readData, subset, c.password(),
                merged);
    }

    private BackupRepository apply(BackupRepository r, Target t) {
        Instant now = now();
        String backend = t.backend().name().toLowerCase(java.util.Locale.ROOT);
        if (!t.url().equals(r.url) || !backend.equals(r.backend)) {
            forgetState(r);
        }
        r.name = t.name();
        r.description = t.description();
        r.backend = backend;
        r.url = t.url();
        r.backendOptions = new LinkedHashMap<>(t.options());
        r.labels = new LinkedHashMap<>(t.labels());
        r.checkReadData = t.readData();
        r.checkReadDataSubset = t.subset();
        if (t.schedule() != null && !t.schedule().equals(new RepositoryValidation.CheckPlan(r.checkCron,
                r.checkIntervalMs, r.checkTimeZone, r.checkJitterMs))) {
            applySchedule(r, t.schedule(), now);
        }
        if (t.password() != null) {
            secrets.sealPassword(r, t.password());
        }
        if (t.secrets() != null) {
            secrets.sealSecrets(r, t.secrets());
        }
        r.updatedAt = now;
        return r;
    }

    private static void applySchedule(BackupRepository r, RepositoryValidation.CheckPlan plan, Instant now) {
        r.checkCron = plan.cron();
        r.checkIntervalMs = plan.intervalMs();
        r.checkTimeZone = plan.timeZone();
        r.checkJitterMs = plan.jitterMs();
        r.checkAnchorAt = now;
        r.nextCheckAt = r.nextCheckAfter(now);
    }

    private static AsgardException nameTaken(String name) {
        return AsgardException.alreadyExists("REPOSITORY_NAME_TAKEN", "A repository named '%s' exists.", name)
                .withHint("Choose another name.");
    }

    /** PostgreSQL keeps microseconds: times are truncated so an answer equals what a later read returns. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private static void forgetState(BackupRepository r) {
        r.initialized = null;
        r.reachable = null;
        r.locked = null;
        r.lockCount = null;
        r.sizeBytes = null;
        r.snapshotCount = null;
        r.lastError = null;
        r.observedAt = null;
    }

    /**
     * Removes the repository record. The data in the storage stays (restic has no "delete repository"). A
     * repository that jobs still use is not removed (FAILED_PRECONDITION {@code REPOSITORY_IN_USE}).
     *
     * @param id the repository
     * @return done
     */
    @WithTransaction
    public Uni<Void> delete(UUID id) {
        return get(id).chain(r -> repository.getSession().chain(s -> s.createSelectionQuery(
                "select count(*) from BackupJob where repositoryId = :id", Long.class).setParameter("id", id)
                .getSingleResult())
                .chain(jobs -> jobs > 0 ? Uni.createFrom().failure(AsgardException.failedPrecondition(
                        "REPOSITORY_IN_USE", "%d job(s) back up to this repository.", jobs)
                        .withHint("Delete those jobs or point them at another repository first "
                                + "(GET /api/v1/jobs?repository_id=" + id + ")."))
                        : repository.delete(r)));
    }

    /**
     * @param id the repository
     * @return it
     * @throws AsgardException NOT_FOUND {@code REPOSITORY_NOT_FOUND}
     */
    @WithSession
    public Uni<BackupRepository> get(UUID id) {
        return repository.findById(id).onItem().ifNull().failWith(() -> AsgardException.notFound(
                "REPOSITORY_NOT_FOUND", "No repository with id %s.", id).withHint("List repositories for ids."));
    }

    /**
     * @param page size and cursor
     * @return one page by name
     */
    public Uni<Page<BackupRepository>> list(PageRequest page) {
        return list(page, null);
    }

    /**
     * @param page size and cursor (a token is bound to the filter)
     * @param backend only repositories with this backend, or null for all
     * @return one page by name
     */
    @WithSession
    public Uni<Page<BackupRepository>> list(PageRequest page, Backend backend) {
        String filter = backend == null ? null : backend.name().toLowerCase(java.util.Locale.ROOT);
        // The unfiltered query keeps its original token binding, so tokens issued before the filter still work.
        String query = filter == null ? PageTokenCodec.query("repositories")
                : PageTokenCodec.query("repositories", filter);
        String after = page.token().map(t -> pageTokens.decode(t, query).get(0)).orElse(null);
        return repository.page(after, filter, page.fetchSize())
                .map(rows -> Page.fromOverfetch(rows, page, last -> pageTokens.encode(query, last.name)));
    }

    /**
     * Opens the secrets of a repository for restic. The result must go only into restic's environment.
     *
     * @param id the repository
     * @return where it is and how to open it
     */
    @WithSession
    public Uni<ResticRepo> resticRepo(UUID id) {
        return get(id).map(this::toResticRepo);
    }

    ResticRepo toResticRepo(BackupRepository r) {
        return new ResticRepo(r.url, secrets.openPassword(r), secrets.openSecrets(r), r.backendOptions);
    }

    /**
     * Records what was observed.
     *
     * @param id the repository
     * @param state the observation
     * @return the repository after the change
     */
    @WithTransaction
    public Uni<BackupRepository> recordState(UUID id, RepositoryObservation state) {
        return get(id).map(r -> {
            state.applyTo(r);
            return r;
        });
    }
}
