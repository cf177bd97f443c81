package dev.asgard.commons.auth;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Device authentication settings ({@code asgard.device-auth.*}); the table is in commons/README.md.
 */
@ConfigMapping(prefix = "asgard.device-auth")
public interface DeviceAuthConfig {

    /** @return whether the gRPC interceptor demands device tokens (off only for a service without device RPCs) */
    @WithDefault("true")
    boolean enabled();

    /** @return the required {@code iss} */
    @WithDefault("asgard-registry")
    String issuer();

    /** @return the audience {@code aud} must contain */
    @WithDefault("asgard")
    String audience();

    /** @return the registry's JWKS URL */
    @WithDefault("http://127.0.0.1:8081/.well-known/jwks.json")
    String jwksUrl();

    /** @return a fixed JWKS JSON document; when set, it replaces {@link #jwksUrl()} (tests) */
    Optional<String> jwks();

    /** @return timeout of one JWKS fetch */
    @WithDefault("5s")
    Duration jwksFetchTimeout();

    /** @return refetch the key set in the background when it is older than this */
    @WithDefault("5m")
    Duration jwksRefreshInterval();

    /** @return at most one fetch per interval because of unknown key ids */
    @WithDefault("10s")
    Duration jwksMinRefreshInterval();

    /** @return tolerated clock difference to the issuer */
    @WithDefault("30s")
    Duration clockSkew();

    /** @return the longest accepted token lifetime ({@code exp - iat}); the issuer uses 10 minutes */
    @WithDefault("15m")
    Duration maxTokenLifetime();

    /**
     * @return how many verified tokens each replica remembers, so that a device's repeated calls with the same token
     *         skip the signature check (expiry, revocation and the key are checked on every call); 0 turns it off
     */
    @WithDefault("10000")
    int verifiedTokenCacheSize();

    /**
     * @return full gRPC method names that need no device token; {@code Service/*} matches every method of a service
     */
    @WithDefault("grpc.health.v1.Health/*,grpc.reflection.v1.ServerReflection/*,"
            + "grpc.reflection.v1alpha.ServerReflection/*,asgard.registry.v1.RegistryService/Enroll,"
            + "asgard.registry.v1.RegistryService/ExchangeCredential")
    List<String> publicMethods();

    /**
     * @return gRPC services whose methods take administrator (Keycloak) tokens instead of device tokens: the device
     *         interceptor lets them through and {@link AdminGrpcInterceptor} authenticates them
     */
    @WithDefault("asgard.backup.v1.BackupService")
    Optional<List<String>> adminServices();
}
