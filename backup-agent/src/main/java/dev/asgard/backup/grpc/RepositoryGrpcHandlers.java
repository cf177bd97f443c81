package dev.asgard.backup.grpc;

import java.util.Locale;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupRepository.Backend;
import dev.asgard.backup.mapping.RepositoryProtoMapper;
import dev.asgard.backup.service.RepositoryOperations;
import dev.asgard.backup.service.RepositoryService;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.proto.backup.v1.BackendType;
import dev.asgard.proto.backup.v1.CreateRepositoryRequest;
import dev.asgard.proto.backup.v1.CreateRepositoryResponse;
import dev.asgard.proto.backup.v1.DeleteRepositoryRequest;
import dev.asgard.proto.backup.v1.DeleteRepositoryResponse;
import dev.asgard.proto.backup.v1.GetRepositoryRequest;
import dev.asgard.proto.backup.v1.GetRepositoryResponse;
import dev.asgard.proto.backup.v1.InitRepositoryRequest;
import dev.asgard.proto.backup.v1.InitRepositoryResponse;
import dev.asgard.proto.backup.v1.ListRepositoriesRequest;
import dev.asgard.proto.backup.v1.ListRepositoriesResponse;
import dev.asgard.proto.backup.v1.UpdateRepositoryRequest;
import dev.asgard.proto.backup.v1.UpdateRepositoryResponse;
import io.smallrye.mutiny.Uni;

/**
 * The repository RPCs of {@code BackupService} (Create, Get, List, Update, Delete, Init), on the same services as
 * the REST resource, so both follow one set of rules. Kept out of {@link BackupGrpcService} so that class only
 * delegates. Secrets go in and never come out: every answer is mapped by {@link RepositoryProtoMapper}.
 */
@ApplicationScoped
public class RepositoryGrpcHandlers {

    private final RepositoryService repositories;
    private final RepositoryOperations operations;
    private final RepositoryProtoMapper mapper;

    public RepositoryGrpcHandlers(RepositoryService repositories, RepositoryOperations operations,
            RepositoryProtoMapper mapper) {
        this.repositories = repositories;
        this.operations = operations;
        this.mapper = mapper;
    }

    Uni<CreateRepositoryResponse> createRepository(CreateRepositoryRequest r) {
        return Uni.createFrom().deferred(() -> repositories.create(mapper.toCreate(r.getRepository(), r.getSecrets()),
                r.getRequestId().isEmpty() ? null : r.getRequestId()))
                .map(repo -> CreateRepositoryResponse.newBuilder().setRepository(mapper.toProto(repo)).build());
    }

    /** With refresh_state, restic is asked first (its failures become the state, not an error). */
    Uni<GetRepositoryResponse> getRepository(GetRepositoryRequest r) {
        return Uni.createFrom().deferred(() -> {
            UUID id = id(r.getRepositoryId(), "repository_id");
            return r.getRefreshState() ? operations.refresh(id) : repositories.get(id);
        }).map(repo -> GetRepositoryResponse.newBuilder().setRepository(mapper.toProto(repo)).build());
    }

    Uni<ListRepositoriesResponse> listRepositories(ListRepositoriesRequest r) {
        return Uni.createFrom().deferred(() -> {
            Backend backend = null;
            if (r.getBackend() == BackendType.UNRECOGNIZED) {
                throw AsgardException.invalidArgument("INVALID_BACKEND", "Unknown backend.")
                        .withViolation("backend", "must be a BackendType value");
            }
            if (r.getBackend() != BackendType.BACKEND_TYPE_UNSPECIFIED) {
                backend = Backend.valueOf(RepositoryProtoMapper.backend(r.getBackend()).toUpperCase(Locale.ROOT));
            }
            return repositories.list(PageRequest.of(r.getPageSize() == 0 ? null : r.getPageSize(),
                    r.getPageToken().isEmpty() ? null : r.getPageToken()), backend);
        }).map(p -> ListRepositoriesResponse.newBuilder()
                .addAllRepositories(p.items().stream().map(mapper::toProto).toList())
                .setNextPageToken(p.nextPageToken()).build());
    }

    Uni<UpdateRepositoryResponse> updateRepository(UpdateRepositoryRequest r) {
        return Uni.createFrom().deferred(() -> {
            UUID id = id(r.getRepository().getRepositoryId(), "repository.repository_id");
            return operations.update(id, mapper.toChange(r));
        }).map(repo -> UpdateRepositoryResponse.newBuilder().setRepository(mapper.toProto(repo)).build());
    }

    Uni<DeleteRepositoryResponse> deleteRepository(DeleteRepositoryRequest r) {
        return Uni.createFrom().deferred(() -> repositories.delete(id(r.getRepositoryId(), "repository_id")))
                .map(ignored -> DeleteRepositoryResponse.newBuilder().setRepositoryId(r.getRepositoryId()).build());
    }

    Uni<InitRepositoryResponse> initRepository(InitRepositoryRequest r) {
        return Uni.createFrom().deferred(() -> operations.init(id(r.getRepositoryId(), "repository_id")))
                .map(repo -> InitRepositoryResponse.newBuilder().setRepository(mapper.toProto(repo)).build());
    }

    private static UUID id(String value, String field) {
        if (value.isEmpty()) {
            throw AsgardException.invalidArgument("INVALID_REPOSITORY_ID", "%s is required.", field)
                    .withViolation(field, "is required (a UUID)");
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_REPOSITORY_ID", "'%s' is not a repository id.", value)
                    .withViolation(field, "must be a UUID");
        }
    }
}
