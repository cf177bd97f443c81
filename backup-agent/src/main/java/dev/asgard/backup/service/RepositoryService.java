package dev.asgard.backup.service;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.entity.BackupRepository.Backend;
import dev.asgard.backup.repository.BackupRepositoryRepository;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.rest.dto.CreateRepositoryRequest;
import dev.asgard.backup.rest.dto.UpdateRepositoryRequest;
import dev.asgard.backup.secrets.SecretBox;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BackupRepositoryRepository repository;
    private final SecretBox box;
    private final PageTokenCodec pageTokens;
    private final Clock clock;

    public RepositoryService(BackupRepositoryRepository repository, SecretBox box, PageTokenCodec pageTokens,
            Clock clock) {
        this.repository = repository;
        this.box = box;
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
    @WithTransaction
    public Uni<BackupRepository> create(CreateRepositoryRequest request) {
        Validation v = Validation.create();
        RepositoryValidation.name(v, request.name());
        RepositoryValidation.description(v, request.description());
        Backend backend = RepositoryValidation.backend(v, request.backend());
        RepositoryValidation.url(v, backend, request.url());
        RepositoryValidation.options(v, request.backendOptions());
        RepositoryValidation.password(v, "password", request.password());
        RepositoryValidation.secrets(v, backend, request.backendSecrets());
        v.throwIfInvalid();
        return repository.nameTaken(request.name()).chain(taken -> {
            if (taken) {
                return Uni.createFrom().failure(AsgardException.alreadyExists("REPOSITORY_NAME_TAKEN",
                        "A repository named '%s' exists.", request.name()).withHint("Choose another name."));
            }
            Instant now = clock.instant();
            BackupRepository r = new BackupRepository();
            r.id = UUID.randomUUID();
            r.name = request.name();
            r.description = request.description() == null ? "" : request.description();
            r.backend = backend.name().toLowerCase(java.util.Locale.ROOT);
            r.url = request.url();
            r.backendOptions = request.backendOptions() == null ? new LinkedHashMap<>()
                    : new LinkedHashMap<>(request.backendOptions());
            sealPassword(r, request.password());
            sealSecrets(r, request.backendSecrets());
            r.createdAt = now;
            r.updatedAt = now;
            return repository.persist(r);
        });
    }

    /**
     * Changes a repository; absent fields stay.
     *
     * @param id the repository
     * @param request the changes
     * @return the repository after the change
     */
    @WithTransaction
    public Uni<BackupRepository> update(UUID id, UpdateRepositoryRequest request) {
        return get(id).map(r -> {
            Backend backend = Backend.valueOf(r.backend.toUpperCase(java.util.Locale.ROOT));
            Validation v = Validation.create();
            RepositoryValidation.description(v, request.description());
            if (request.url() != null) {
                RepositoryValidation.url(v, backend, request.url());
            }
            RepositoryValidation.options(v, request.backendOptions());
            if (request.password() != null) {
                RepositoryValidation.password(v, "password", request.password());
            }
            if (request.backendSecrets() != null) {
                RepositoryValidation.secrets(v, backend, request.backendSecrets());
            }
            v.throwIfInvalid();
            if (request.description() != null) {
                r.description = request.description();
            }
            if (request.url() != null && !request.url().equals(r.url)) {
                r.url = request.url();
                forgetState(r);
            }
            if (request.backendOptions() != null) {
                r.backendOptions = new LinkedHashMap<>(request.backendOptions());
            }
            if (request.password() != null) {
                sealPassword(r, request.password());
            }
            if (request.backendSecrets() != null) {
                sealSecrets(r, request.backendSecrets());
            }
            r.updatedAt = clock.instant();
            return r;
        });
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
    @WithSession
    public Uni<Page<BackupRepository>> list(PageRequest page) {
        String query = PageTokenCodec.query("repositories");
        String after = page.token().map(t -> pageTokens.decode(t, query).get(0)).orElse(null);
        return repository.page(after, page.fetchSize())
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
        String password = new String(box.open(r.passwordContext(), r.passwordCiphertext), StandardCharsets.UTF_8);
        Map<String, String> secrets = Map.of();
        if (r.secretsCiphertext != null) {
            try {
                secrets = JSON.readValue(box.open(r.secretsContext(), r.secretsCiphertext),
                        new TypeReference<Map<String, String>>() {
                        });
            } catch (java.io.IOException e) {
                throw new IllegalStateException("stored backend secrets of repository " + r.id + " are not a map");
            }
        }
        return new ResticRepo(r.url, password, secrets, r.backendOptions);
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

    private void sealPassword(BackupRepository r, String password) {
        r.passwordCiphertext = box.seal(r.passwordContext(), password.getBytes(StandardCharsets.UTF_8));
    }

    private void sealSecrets(BackupRepository r, Map<String, String> secrets) {
        if (secrets == null || secrets.isEmpty()) {
            r.secretsCiphertext = null;
            r.secretNames = new String[0];
            return;
        }
        try {
            r.secretsCiphertext = box.seal(r.secretsContext(), JSON.writeValueAsBytes(new TreeMap<>(secrets)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode backend secrets", e);
        }
        r.secretNames = new TreeMap<>(secrets).keySet().toArray(String[]::new);
    }

}
