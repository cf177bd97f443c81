package dev.asgard.registry.service;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import dev.asgard.registry.entity.AuditEntry;
import dev.asgard.registry.repository.AuditEntryRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;

/**
 * The audit trail. {@link #record} writes one entry in the caller's transaction, so the entry exists exactly
 * when the change it describes was committed: call it inside the {@code @WithTransaction} chain of the change,
 * never after it. Who acted and from where come from the request: the gRPC interceptor and REST filter store
 * the peer's address and, for gRPC, the calling device; a REST caller is the authenticated user.
 */
@ApplicationScoped
public class AuditService {

    private final AuditEntryRepository repository;
    private final CurrentIdentityAssociation identities;
    private final PageTokenCodec pageTokens;
    private final Clock clock;

    public AuditService(AuditEntryRepository repository, CurrentIdentityAssociation identities,
            PageTokenCodec pageTokens, Clock clock) {
        this.repository = repository;
        this.identities = identities;
        this.pageTokens = pageTokens;
        this.clock = clock;
    }

    /**
     * Writes an audit entry in the current transaction.
     *
     * @param record what happened
     * @return completion; fails (and so fails the change) if the entry cannot be written
     */
    public Uni<Void> record(AuditRecord record) {
        return caller(record).chain(caller -> {
            AuditEntry entry = new AuditEntry();
            entry.id = UUID.randomUUID();
            entry.occurredAt = clock.instant();
            entry.actor = caller.actor();
            entry.actorKind = caller.kind();
            entry.clientAddress = caller.clientAddress();
            entry.action = record.action();
            entry.targetType = record.targetType();
            entry.targetId = record.targetId();
            entry.details = record.details();
            return repository.persist(entry).replaceWithVoid();
        });
    }

    /**
     * Lists entries newest first.
     *
     * @param filter what to return
     * @param page size and cursor
     * @return one page
     */
    @WithSession
    public Uni<Page<AuditEntry>> list(AuditQuery filter, PageRequest page) {
        String query = PageTokenCodec.query("audit", filter.actor().orElse(""), filter.action().orElse(""),
                filter.targetId().orElse(""), filter.since().map(Instant::toString).orElse(""),
                filter.until().map(Instant::toString).orElse(""));
        Instant afterAt = null;
        UUID afterId = null;
        if (page.token().isPresent()) {
            List<String> cursor = pageTokens.decode(page.token().get(), query);
            afterAt = Instant.parse(cursor.get(0));
            afterId = UUID.fromString(cursor.get(1));
        }
        return repository.page(filter, afterAt, afterId, page.fetchSize())
                .map(rows -> Page.fromOverfetch(rows, page,
                        last -> pageTokens.encode(query, last.occurredAt.toString(), last.id.toString())));
    }

    private Uni<AuditCaller> caller(AuditRecord record) {
        AuditCaller current = AuditCaller.current().orElse(null);
        String address = current == null ? null : current.clientAddress();
        if (record.actor() != null) {
            AuditCaller who = record.actor();
            return Uni.createFrom().item(who.clientAddress() != null ? who
                    : new AuditCaller(who.actor(), who.kind(), address));
        }
        if (current != null && current.identified()) {
            return Uni.createFrom().item(current);
        }
        if (current == null) {
            // Neither the gRPC interceptor nor the REST filter saw this: the registry acts on its own.
            return Uni.createFrom().item(AuditCaller.SYSTEM);
        }
        // REST: the endpoint's role check has resolved the identity already, so this does not block.
        return identities.getDeferredIdentity().map(identity -> identity == null || identity.isAnonymous()
                ? AuditCaller.anonymous(address)
                : AuditCaller.user(identity.getPrincipal().getName(), address));
    }
}
