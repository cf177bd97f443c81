package dev.asgard.backup.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.asgard.backup.config.IdentityConfig;
import dev.asgard.backup.config.RunConfig;
import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.secrets.SecretBox;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.registry.v1.Capability;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.ExchangeCredentialResponse;
import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.HeartbeatResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * The agent as a device of the platform (issue 5, item 7): it enrols with registry-service once, with the join
 * token of its configuration, keeps its device id and credential (the credential sealed with the agent's secrets
 * key, never in plain text) in {@code asgard.backup.identity.state-file}, exchanges the credential for short-lived
 * device tokens, which it uses for gRPC calls to other services (lock-service), and heartbeats at the interval
 * the registry asks for. A registry that is not up yet is retried with back-off; a credential the registry no
 * longer accepts (revoked, rotated elsewhere) leads to a new enrolment when a join token is configured.
 */
@ApplicationScoped
public class AgentIdentity {

    private static final Logger LOG = Logger.getLogger(AgentIdentity.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CREDENTIAL_CONTEXT = "agent-identity/credential";
    private static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(2);

    private final IdentityConfig config;
    private final SecretBox box;
    private final Restic restic;
    private final String agentId;
    private volatile ManagedChannel channel;
    private volatile Thread loop;
    private volatile String deviceId;
    private volatile String credential;
    private volatile String token;
    private volatile Instant tokenExpiry = Instant.EPOCH;
    private volatile Duration heartbeatInterval = Duration.ofSeconds(30);
    private volatile boolean stopping;
    private long sequence;

    public AgentIdentity(IdentityConfig config, SecretBox box, Restic restic, RunConfig runConfig) {
        this.config = config;
        this.box = box;
        this.restic = restic;
        this.agentId = runConfig.agentId().filter(s -> !s.isBlank()).orElseGet(AgentIdentity::hostName);
    }

    /** @return whether the agent is configured to be a device of the platform */
    public boolean enabled() {
        return config.registryTarget().isPresent();
    }

    /** @return the device id once enrolled */
    public Optional<String> deviceId() {
        return Optional.ofNullable(deviceId);
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled()) {
            LOG.info("asgard.backup.identity.registry-target is not set: the agent runs without a device identity "
                    + "(no enrolment, repositories guarded within this process)");
            return;
        }
        channel = GrpcChannels.open(config.registryTarget().get(), config.plaintext());
        loop = Thread.ofVirtual().name("agent-identity").start(this::run);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
        ManagedChannel c = channel;
        if (c != null) {
            c.shutdownNow();
        }
    }

    /**
     * A current device token, exchanged anew shortly before the last one expires.
     *
     * @return the token
     * @throws AsgardException UNAVAILABLE {@code AGENT_NOT_ENROLLED} while the agent has no identity yet
     */
    public String accessToken() {
        if (!enabled()) {
            throw AsgardException.failedPrecondition("AGENT_IDENTITY_NOT_CONFIGURED",
                    "The agent has no device identity.").withHint("Set asgard.backup.identity.registry-target and "
                            + "asgard.backup.identity.join-token.");
        }
        if (token != null && Instant.now().isBefore(tokenExpiry.minus(REFRESH_BEFORE_EXPIRY))) {
            return token;
        }
        synchronized (this) {
            if (token == null || !Instant.now().isBefore(tokenExpiry.minus(REFRESH_BEFORE_EXPIRY))) {
                if (deviceId == null) {
                    throw AsgardException.unavailable("AGENT_NOT_ENROLLED",
                            "The agent has not enrolled with registry-service yet.")
                            .withHint("Check that registry-service at " + config.registryTarget().orElse("?")
                                    + " is reachable and the join token is valid; the agent retries.");
                }
                exchange();
            }
            return token;
        }
    }

    private void run() {
        long backoffMs = 1000;
        while (!stopping) {
            try {
                if (deviceId == null) {
                    establish();
                }
                accessToken();
                heartbeat();
                backoffMs = 1000;
                sleep(heartbeatInterval.toMillis());
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                LOG.warnf("agent identity: %s (retried in %d s)", describe(e), backoffMs / 1000);
                sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 60_000);
            }
        }
    }

    /** Loads the stored identity, or enrols; a stored credential the registry refuses leads to a new enrolment. */
    private synchronized void establish() {
        if (load()) {
            try {
                exchange();
                LOG.infof("agent identity: device %s (from %s)", deviceId, config.stateFile());
                return;
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAUTHENTICATED && code != Status.Code.PERMISSION_DENIED
                        && code != Status.Code.NOT_FOUND) {
                    throw e;
                }
                LOG.warnf("agent identity: the registry refuses the stored credential of device %s (%s); enrolling "
                        + "again", deviceId, code);
                deviceId = null;
                credential = null;
            }
        }
        enroll();
        exchange();
    }

    private void enroll() {
        String joinToken = config.joinToken().filter(t -> !t.isBlank()).orElseThrow(() -> AsgardException
                .failedPrecondition("AGENT_JOIN_TOKEN_MISSING", "The agent is not enrolled and has no join token.")
                .withHint("Create a join token (POST /api/v1/join-tokens on registry-service) and set "
                        + "asgard.backup.identity.join-token."));
        EnrollRequest.Builder request = EnrollRequest.newBuilder().setJoinToken(joinToken).setName(deviceName())
                .setWorldType(System.getenv("KUBERNETES_SERVICE_HOST") != null ? WorldType.WORLD_TYPE_CONTAINER
                        : WorldType.WORLD_TYPE_PHYSICAL)
                .setFingerprint(fingerprint()).setAgentVersion(agentVersion());
        Capability.Builder capability = Capability.newBuilder().setName("backup.restic");
        try {
            capability.setVersion(restic.version().toString());
        } catch (RuntimeException e) {
            LOG.debugf("restic version unknown at enrolment: %s", e.getMessage());
        }
        request.addCapabilities(capability);
        EnrollResponse response = registry().enroll(request.build());
        deviceId = response.getDevice().getDeviceId();
        credential = response.getDeviceCredential();
        if (response.hasHeartbeatInterval()) {
            heartbeatInterval = duration(response.getHeartbeatInterval());
        }
        store();
        LOG.infof("agent identity: %s as device %s (%s)", response.getReEnrolled() ? "enrolled again" : "enrolled",
                deviceId, deviceName());
    }

    private void exchange() {
        ExchangeCredentialResponse r = registry().exchangeCredential(ExchangeCredentialRequest.newBuilder()
                .setDeviceId(deviceId).setDeviceCredential(credential).build());
        token = r.getAccessToken();
        tokenExpiry = Instant.ofEpochSecond(r.getExpireTime().getSeconds(), r.getExpireTime().getNanos());
    }

    private void heartbeat() {
        HeartbeatResponse r = registry().withCallCredentials(GrpcChannels.bearer(token))
                .heartbeat(HeartbeatRequest.newBuilder().setDeviceId(deviceId).setSequence(++sequence)
                        .setDeviceTime(com.google.protobuf.Timestamp.newBuilder()
                                .setSeconds(Instant.now().getEpochSecond()))
                        .setAgentVersion(agentVersion()).build());
        if (r.hasHeartbeatInterval()) {
            Duration d = duration(r.getHeartbeatInterval());
            if (!d.isZero() && !d.isNegative()) {
                heartbeatInterval = d;
            }
        }
    }

    private RegistryServiceGrpc.RegistryServiceBlockingStub registry() {
        return RegistryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(config.callTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private boolean load() {
        Path file = config.stateFile();
        if (deviceId != null && credential != null) {
            return true;
        }
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            deviceId = n.path("deviceId").asText();
            credential = new String(box.open(CREDENTIAL_CONTEXT + "/" + deviceId,
                    Base64.getDecoder().decode(n.path("credential").asText())), StandardCharsets.UTF_8);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("agent identity: %s is unreadable (%s); enrolling again", file, e.getMessage());
            deviceId = null;
            credential = null;
            return false;
        }
    }

    private void store() {
        Path file = config.stateFile();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            byte[] sealed = box.seal(CREDENTIAL_CONTEXT + "/" + deviceId, credential.getBytes(StandardCharsets.UTF_8));
            var node = JSON.createObjectNode().put("deviceId", deviceId).put("deviceName", deviceName())
                    .put("credential", Base64.getEncoder().encodeToString(sealed));
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // Not a POSIX file system: the credential is sealed anyway.
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot store the agent identity in " + file, e);
        }
    }

    /** @return the device name: configured, or the agent id made a DNS label */
    String deviceName() {
        String name = config.deviceName().orElse(agentId).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-")
                .replaceAll("^-+|-+$", "");
        name = name.length() > 63 ? name.substring(0, 63).replaceAll("-+$", "") : name;
        return name.isEmpty() ? "backup-agent" : name;
    }

    /** Stable per machine and agent: two agents on one machine are two devices. */
    private String fingerprint() {
        String machine = "";
        try {
            machine = Files.readString(Path.of("/etc/machine-id")).strip();
        } catch (IOException | RuntimeException e) {
            machine = hostName();
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest((machine + "/" + agentId)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String agentVersion() {
        String v = AgentIdentity.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    private static String describe(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            return "registry-service answered " + s.getStatus().getCode() + ": " + s.getStatus().getDescription();
        }
        return e.getMessage();
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "backup-agent";
        }
    }
}
