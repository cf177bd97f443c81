package dev.asgard.registry.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import dev.asgard.registry.config.RegistryConfig;
import dev.asgard.registry.entity.JoinToken;
import dev.asgard.registry.repository.JoinTokenRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Join tokens: created by administrators, consumed by enrolment. The secret exists only in the return value
 * of {@link #create}; afterwards only its hash is known.
 */
@ApplicationScoped
public class JoinTokenService {

    static final int MAX_NETWORKS = 32;
    static final int MAX_DESCRIPTION = 200;
    static final int MAX_USAGE_LIMIT = 1_000_000;
    static final Duration MIN_TTL = Duration.ofMinutes(1);
    static final Duration MIN_GRACE = Duration.ofMinutes(1);
    static final Duration MAX_GRACE = Duration.ofDays(30);

    private final JoinTokenRepository repository;
    private final RegistryConfig config;
    private final PageTokenCodec pageTokens;
    private final AuditService audit;
    private final Clock clock;

    public JoinTokenService(JoinTokenRepository repository, RegistryConfig config, PageTokenCodec pageTokens,
            AuditService audit, Clock clock) {
        this.repository = repository;
        this.config = config;
        this.pageTokens = pageTokens;
        this.audit = audit;
        this.clock = clock;
    }

    /** A created token: the stored record and the secret token, which is never shown again. */
    public record Created(JoinToken joinToken, String token) {
    }

    /**
     * Creates a join token.
     *
     * @param request what the administrator asked for
     * @param createdBy who (the administrator's user name)
     * @return the record and the one-time secret
     * @throws AsgardException INVALID_ARGUMENT with field violations for bad input; nothing is stored then
     */
    @WithTransaction
    public Uni<Created> create(NewJoinToken request, String createdBy) {
        validate(request);
        Instant now = clock.instant();
        JoinTokenSecrets.Generated secret = JoinTokenSecrets.generate();
        JoinToken token = new JoinToken();
        token.id = secret.id();
        token.secretSha256 = secret.secretSha256();
        token.description = request.description();
        token.createdAt = now;
        token.createdBy = createdBy;
        token.expiresAt = now.plus(request.ttl() == null ? config.joinTokens().defaultTtl() : request.ttl());
        token.usageLimit = request.usageLimit();
        token.networks = request.networks() == null ? new String[0] : request.networks().toArray(String[]::new);
        token.labels = request.labels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(request.labels());
        token.ephemeral = request.ephemeral();
        if (request.ephemeral()) {
            Duration grace = request.ephemeralGrace() == null ? config.joinTokens().defaultEphemeralGrace()
                    : request.ephemeralGrace();
            token.ephemeralGraceSeconds = grace.toSeconds();
        }
        token.requiresApproval = request.requiresApproval();
        return repository.persist(token)
                .call(saved -> audit.record(AuditRecord.of("join-token.create", "join-token", saved.id)
                        .with("description", saved.description)
                        .with("expiresAt", saved.expiresAt)
                        .with("usageLimit", saved.usageLimit)
                        .with("networks", List.of(saved.networks))
                        .with("labels", saved.labels)
                        .with("ephemeral", saved.ephemeral)
                        .with("requiresApproval", saved.requiresApproval)))
                .map(saved -> new Created(saved, secret.token()));
    }

    /**
     * @param id the token id
     * @return the token
     * @throws AsgardException NOT_FOUND {@code JOIN_TOKEN_NOT_FOUND}
     */
    @WithSession
    public Uni<JoinToken> get(UUID id) {
        return repository.findById(id).onItem().ifNull().failWith(() -> notFound(id));
    }

    /**
     * Lists tokens newest first.
     *
     * @param state only tokens in this state, or null for all
     * @param page size and cursor
     * @return one page
     */
    @WithSession
    public Uni<Page<JoinToken>> list(JoinToken.State state, PageRequest page) {
        String query = PageTokenCodec.query("join-tokens", state == null ? "" : state.name());
        Instant afterCreatedAt = null;
        UUID afterId = null;
        if (page.token().isPresent()) {
            List<String> cursor = pageTokens.decode(page.token().get(), query);
            afterCreatedAt = Instant.parse(cursor.get(0));
            afterId = UUID.fromString(cursor.get(1));
        }
        return repository.page(state, afterCreatedAt, afterId, clock.instant(), page.fetchSize())
                .map(rows -> Page.fromOverfetch(rows, page,
                        last -> pageTokens.encode(query, last.createdAt.toString(), last.id.toString())));
    }

    /**
     * Revokes a token: it can enrol no further device. Devices already enrolled with it are not affected.
     * Revoking a revoked token changes nothing and is not an error.
     *
     * @param id the token id
     * @param revokedBy who
     * @return the token after revocation
     */
    @WithTransaction
    public Uni<JoinToken> revoke(UUID id, String revokedBy) {
        // One conditional UPDATE rather than a change of the loaded entity: enrolments count uses of the same row
        // concurrently, and a versioned write-back of the whole row would either fail on their version bumps or,
        // without the version, put back a stale usage count.
        return repository.revoke(id, clock.instant(), revokedBy)
                .chain(revoked -> repository.findReadOnly(id).onItem().ifNull().failWith(() -> notFound(id))
                        .call(token -> revoked
                                ? audit.record(AuditRecord.of("join-token.revoke", "join-token", token.id))
                                : Uni.createFrom().voidItem()));
    }

    /**
     * Checks a token a device presents and counts one use of it; must run inside the enrolment's
     * transaction, so a failed enrolment gives the use back.
     *
     * @param presented the token as the device sent it
     * @return the token's record (networks, labels, ephemeral, approval) after the use was counted
     * @throws AsgardException UNAUTHENTICATED {@code JOIN_TOKEN_INVALID} for a malformed, unknown or wrong
     *         token (one reason for all three, so the answer tells an attacker nothing);
     *         FAILED_PRECONDITION {@code JOIN_TOKEN_EXPIRED}, {@code JOIN_TOKEN_REVOKED},
     *         {@code JOIN_TOKEN_EXHAUSTED}
     */
    public Uni<JoinToken> use(String presented) {
        PrefixedSecret parts = JoinTokenSecrets.parse(presented).orElseThrow(JoinTokenService::invalid);
        Instant now = clock.instant();
        // No managed copy of the token exists before the use is counted. A managed token that Hibernate took for
        // changed (as every loaded one was while JoinToken had field initializers) is written back with a version
        // check in the auto-flush before the UPDATE, failing every concurrent enrolment with the same token
        // (CONCURRENT_MODIFICATION). The secret is checked on a projection, the use is counted by one conditional
        // UPDATE (exact under concurrency: it re-checks the limit on the locked row), and the token is read once,
        // read-only, after the UPDATE, so it shows the use and is never flushed.
        return repository.secretSha256(parts.id())
                .map(secret -> {
                    if (secret == null || !JoinTokenSecrets.matches(parts.secret(), secret)) {
                        throw invalid();
                    }
                    return secret;
                })
                .chain(ignored -> repository.tryUse(parts.id(), now))
                .chain(used -> repository.findReadOnly(parts.id()).map(token -> {
                    if (!used) {
                        throw unusable(token, now);
                    }
                    return token;
                }));
    }

    private void validate(NewJoinToken request) {
        Validation v = Validation.create();
        v.maxLength("description", request.description(), MAX_DESCRIPTION);
        Duration ttl = request.ttl();
        if (ttl != null) {
            v.check(ttl.compareTo(MIN_TTL) >= 0, "ttl", "must be at least " + MIN_TTL);
            v.check(ttl.compareTo(config.joinTokens().maxTtl()) <= 0, "ttl",
                    "must be at most " + config.joinTokens().maxTtl());
        }
        Integer limit = request.usageLimit();
        v.check(limit == null || (limit >= 1 && limit <= MAX_USAGE_LIMIT), "usageLimit",
                "must be between 1 and " + MAX_USAGE_LIMIT + ", or absent for unlimited");
        Labels.validateIds(v, "networks", request.networks(), MAX_NETWORKS);
        Labels.validate(v, "labels", request.labels());
        Duration grace = request.ephemeralGrace();
        if (grace != null) {
            v.check(request.ephemeral(), "ephemeralGracePeriod", "only ephemeral tokens have a grace period");
            v.check(grace.compareTo(MIN_GRACE) >= 0 && grace.compareTo(MAX_GRACE) <= 0, "ephemeralGracePeriod",
                    "must be between " + MIN_GRACE + " and " + MAX_GRACE);
        }
        v.throwIfInvalid();
    }

    private static AsgardException notFound(UUID id) {
        return AsgardException.notFound("JOIN_TOKEN_NOT_FOUND", "No join token with id %s.", id)
                .withHint("List join tokens with GET /api/v1/join-tokens.");
    }

    private static AsgardException invalid() {
        return AsgardException.unauthenticated("JOIN_TOKEN_INVALID", "The join token is not valid.")
                .withHint("Ask an administrator for a join token (POST /api/v1/join-tokens) and pass it unchanged.");
    }

    private static AsgardException unusable(JoinToken token, Instant now) {
        return switch (token.stateAt(now)) {
            case REVOKED -> AsgardException.failedPrecondition("JOIN_TOKEN_REVOKED", "The join token was revoked.")
                    .withHint("Ask an administrator for a new join token.");
            case EXHAUSTED -> AsgardException.failedPrecondition("JOIN_TOKEN_EXHAUSTED",
                    "The join token was already used %d times, its limit.", token.usageCount)
                    .withHint("Ask an administrator for a new join token or a higher usage limit.");
            case EXPIRED, ACTIVE -> AsgardException.failedPrecondition("JOIN_TOKEN_EXPIRED",
                    "The join token expired at %s.", token.expiresAt)
                    .withHint("Ask an administrator for a new join token.");
        };
    }
}
