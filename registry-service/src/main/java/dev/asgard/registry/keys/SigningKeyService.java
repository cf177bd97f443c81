package dev.asgard.registry.keys;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.lang.JoseException;

import dev.asgard.commons.auth.DeviceAuthConfig;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.leader.LeaderElections;
import dev.asgard.registry.config.RegistryConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;

/**
 * The device-token signing keys: one RSA-2048 key signs at a time, every non-expired key is published.
 *
 * <p>Lifecycle of a key: created and published at once; signs from {@code activates_at} (a pre-publication delay
 * after creation, so verifiers that cached the JWKS learn it first); stops signing at {@code retires_at} (when its
 * successor activates); leaves the JWKS at {@code expires_at} = retires_at + max token lifetime + clock skew, when
 * every token it signed has expired; then the leader deletes it.
 *
 * <p>Replicas read the keys from the database and keep them for {@code cache-ttl}; that must be shorter than the
 * pre-publication delay, so every replica knows a new key (serves it, may sign with it) before it activates and
 * knows the old key's new retirement before it passes.
 */
@ApplicationScoped
public class SigningKeyService {

    /** The leader election that owns rotation. */
    public static final String ELECTION = "registry-key-rotation";

    private static final Logger LOG = Logger.getLogger(SigningKeyService.class);

    /** A key with its private half, when this replica could decrypt it. */
    record Loaded(SigningKey key, PublicJsonWebKey jwk) {
    }

    private record Snapshot(List<Loaded> keys, Instant loadedAt) {
    }

    /** What one rotation pass did. */
    public record Rotation(Optional<String> created, List<String> deleted) {
    }

    private final SigningKeyRepository repository;
    private final MasterKey masterKey;
    private final RegistryConfig.SigningKeys config;
    private final Duration publishedAfterRetirement;
    private final LeaderElections elections;
    private final Clock clock;
    private volatile Snapshot snapshot;

    public SigningKeyService(SigningKeyRepository repository, MasterKey masterKey, RegistryConfig config,
            DeviceAuthConfig deviceAuth, LeaderElections elections, Clock clock) {
        this.repository = repository;
        this.masterKey = masterKey;
        this.config = config.signingKeys();
        this.publishedAfterRetirement = deviceAuth.maxTokenLifetime().plus(deviceAuth.clockSkew());
        this.elections = elections;
        this.clock = clock;
        validate(config, deviceAuth);
    }

    static void validate(RegistryConfig config, DeviceAuthConfig deviceAuth) {
        Duration lifetime = config.deviceTokens().lifetime();
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(deviceAuth.maxTokenLifetime()) > 0) {
            throw new IllegalStateException("asgard.registry.device-tokens.lifetime (" + lifetime
                    + ") must be positive and at most asgard.device-auth.max-token-lifetime ("
                    + deviceAuth.maxTokenLifetime() + "), or verifiers refuse every token");
        }
        RegistryConfig.SigningKeys keys = config.signingKeys();
        if (keys.cacheTtl().compareTo(keys.prePublication()) >= 0) {
            throw new IllegalStateException("asgard.registry.signing-keys.cache-ttl (" + keys.cacheTtl()
                    + ") must be shorter than pre-publication (" + keys.prePublication() + ")");
        }
        if (keys.rotationPeriod().compareTo(keys.prePublication().multipliedBy(2)) < 0) {
            throw new IllegalStateException("asgard.registry.signing-keys.rotation-period is too short");
        }
    }

    void onStart(@Observes StartupEvent event) {
        elections.forName(ELECTION);
        ensureActiveKey(clock.instant()).await().atMost(Duration.ofSeconds(60));
    }

    /**
     * Makes sure a key this replica can sign with is active at {@code now}; creates one, active at once, if not
     * (first start, or every key retired while no leader rotated).
     *
     * @param now the time
     * @return done
     */
    public Uni<Void> ensureActiveKey(Instant now) {
        return repository.locked(connection -> repository.all(connection).chain(keys -> {
            boolean usable = keys.stream().filter(k -> k.signsAt(now)).anyMatch(k -> open(k).isPresent());
            if (usable) {
                return Uni.createFrom().voidItem();
            }
            // Whole seconds: tokens carry an iat in seconds, and a key must sign at the iat it is asked for.
            SigningKey created = generate(now, now.truncatedTo(ChronoUnit.SECONDS));
            LOG.infof("Created signing key %s, active at once", created.kid());
            return repository.insert(connection, created);
        })).invoke(this::invalidate);
    }

    /**
     * The leader's job: rotates when the signing key is {@code rotation-period} old and deletes keys that left the
     * JWKS. Safe to run on several replicas at once (the table lock orders them; the second finds nothing due).
     *
     * @param now the time
     * @return what it did
     */
    public Uni<Rotation> rotate(Instant now) {
        return repository.locked(connection -> repository.deleteExpired(connection, now)
                .chain(deleted -> repository.all(connection).chain(keys -> {
                    boolean pending = keys.stream().anyMatch(k -> k.activatesAt().isAfter(now));
                    Optional<SigningKey> current = keys.stream().filter(k -> k.signsAt(now))
                            .max(Comparator.comparing(SigningKey::activatesAt));
                    boolean due = current.map(k -> !k.activatesAt().plus(config.rotationPeriod()).isAfter(now))
                            .orElse(true);
                    if (pending || !due) {
                        return Uni.createFrom().item(new Rotation(Optional.empty(), deleted));
                    }
                    // Whole seconds, like the tokens' iat: at least the full delay after publication.
                    Instant activation = current.isPresent()
                            ? now.plus(config.prePublication()).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1)
                            : now.truncatedTo(ChronoUnit.SECONDS);
                    SigningKey created = generate(now, activation);
                    LOG.infof("Rotating signing keys: %s published now, signs from %s", created.kid(), activation);
                    return repository.retireAfter(connection, activation, activation.plus(publishedAfterRetirement))
                            .chain(ignored -> repository.insert(connection, created))
                            .replaceWith(new Rotation(Optional.of(created.kid()), deleted));
                })))
                .invoke(rotation -> {
                    invalidate();
                    if (!rotation.deleted().isEmpty()) {
                        LOG.infof("Deleted expired signing keys %s", rotation.deleted());
                    }
                });
    }

    /** @return {@link #rotate(Instant)} now, on the leader only; empty elsewhere */
    public Uni<Optional<Rotation>> rotateIfLeader() {
        return elections.forName(ELECTION).runIfLeader(epoch -> rotate(clock.instant()));
    }

    /**
     * @param now the time
     * @return the JWKS JSON of every key published at that time
     */
    public Uni<String> jwks(Instant now) {
        return keys(now).map(keys -> {
            List<JsonWebKey> published = new ArrayList<>();
            keys.stream().filter(k -> k.key().publishedAt(now)).forEach(k -> published.add(publicJwk(k.key())));
            return new JsonWebKeySet(published).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        });
    }

    /**
     * @param now the time
     * @return the newest key that signs at that time and that this replica can decrypt
     * @throws AsgardException UNAVAILABLE {@code SIGNING_KEY_UNAVAILABLE} when there is none even after creating one
     */
    Uni<Loaded> signingKey(Instant now) {
        return keys(now).chain(keys -> pick(keys, now).map(k -> Uni.createFrom().item(k))
                .orElseGet(() -> ensureActiveKey(now).chain(() -> keys(now)).map(reloaded -> pick(reloaded, now)
                        .orElseThrow(() -> AsgardException.unavailable("SIGNING_KEY_UNAVAILABLE",
                                "No signing key this replica can use; check the master key")))));
    }

    /** Drops the cached key set: the next use reads the database. */
    public void invalidate() {
        snapshot = null;
    }

    private static Optional<Loaded> pick(List<Loaded> keys, Instant now) {
        return keys.stream().filter(k -> k.jwk().getPrivateKey() != null && k.key().signsAt(now))
                .max(Comparator.comparing((Loaded k) -> k.key().activatesAt()));
    }

    private Uni<List<Loaded>> keys(Instant now) {
        Snapshot current = snapshot;
        // Age is measured on the same time line as "now" (tests move it; a clock stepping back forces a reload).
        if (current != null && !now.isBefore(current.loadedAt())
                && now.isBefore(current.loadedAt().plus(config.cacheTtl()))) {
            return Uni.createFrom().item(current.keys());
        }
        return repository.all().map(rows -> {
            List<Loaded> loaded = rows.stream().map(this::load).toList();
            snapshot = new Snapshot(loaded, now);
            return loaded;
        });
    }

    private Loaded load(SigningKey key) {
        PublicJsonWebKey jwk = publicJwk(key);
        open(key).ifPresent(jwk::setPrivateKey);
        return new Loaded(key, jwk);
    }

    private Optional<PrivateKey> open(SigningKey key) {
        try {
            byte[] pkcs8 = masterKey.open(key.kid(), key.privateKeyEncrypted());
            return Optional.of(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
        } catch (GeneralSecurityException e) {
            LOG.errorf("Cannot decrypt signing key %s: this replica's master key differs from the one that sealed it",
                    key.kid());
            return Optional.empty();
        }
    }

    private static PublicJsonWebKey publicJwk(SigningKey key) {
        try {
            return (PublicJsonWebKey) JsonWebKey.Factory.newJwk(key.publicJwk());
        } catch (JoseException e) {
            throw new IllegalStateException("stored public JWK of " + key.kid() + " is unreadable", e);
        }
    }

    private SigningKey generate(Instant now, Instant activation) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            RsaJsonWebKey jwk = new RsaJsonWebKey((java.security.interfaces.RSAPublicKey) pair.getPublic());
            String kid = jwk.calculateBase64urlEncodedThumbprint("SHA-256");
            jwk.setKeyId(kid);
            jwk.setUse("sig");
            jwk.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            // Until the leader names a successor, a key signs for two periods: a stalled rotation must not lock
            // every device out; the successor's activation then ends it (retireAfter).
            Instant retires = activation.plus(config.rotationPeriod().multipliedBy(2));
            return new SigningKey(kid, AlgorithmIdentifiers.RSA_USING_SHA256,
                    jwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY),
                    masterKey.seal(kid, pair.getPrivate().getEncoded()), now, activation, retires,
                    retires.plus(publishedAfterRetirement));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA key generation unavailable", e);
        }
    }
}
