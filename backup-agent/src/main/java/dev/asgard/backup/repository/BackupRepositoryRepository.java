package dev.asgard.backup.repository;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupRepository;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** restic repositories in PostgreSQL. */
@ApplicationScoped
public class BackupRepositoryRepository implements PanacheRepositoryBase<BackupRepository, UUID> {

    /**
     * @param afterName cursor: name of the last repository of the previous page, or null
     * @param limit rows at most
     * @return one page ordered by name
     */
    public Uni<List<BackupRepository>> page(String afterName, int limit) {
        if (afterName == null) {
            return findAll(Sort.ascending("name")).range(0, limit - 1).list();
        }
        return find("name > :after", Sort.ascending("name"), Parameters.with("after", afterName))
                .range(0, limit - 1).list();
    }

    /**
     * @param name a name
     * @return whether a repository has it
     */
    public Uni<Boolean> nameTaken(String name) {
        return count("name", name).map(n -> n > 0);
    }
}
