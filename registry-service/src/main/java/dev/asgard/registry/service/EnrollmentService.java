package dev.asgard.registry.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceRegistered;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceCapability;
import dev.asgard.registry.entity.DeviceCredential;
import dev.asgard.registry.entity.JoinToken;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceCapabilityRepository;
import dev.asgard.registry.repository.DeviceCredentialRepository;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Enrolment: a device presents a join token and describes itself; it gets an id and a credential. The same
 * machine (same fingerprint) enrolling again keeps its id and gets a new credential (the old ones are
 * revoked), unless it was removed or revoked. Everything, the token use and the {@code device.registered}
 * event included, happens in one transaction: a refused enrolment changes nothing.
 */
@ApplicationScoped
public class EnrollmentService {

    /** ce_type of the event written on every enrolment. */
    public static final String DEVICE_REGISTERED = "asgard.registry.device.registered";

    private final JoinTokenService joinTokens;
    private final DeviceRepository devices;
    private final DeviceCapabilityRepository capabilities;
    private final DeviceCredentialRepository credentials;
    private final DeviceMapper mapper;
    private final EventPublisher events;
    private final AuditService audit;
    private final Clock clock;

    public EnrollmentService(JoinTokenService joinTokens, DeviceRepository devices,
            DeviceCapabilityRepository capabilities, DeviceCredentialRepository credentials, DeviceMapper mapper,
            EventPublisher events, AuditService audit, Clock clock) {
        this.joinTokens = joinTokens;
        this.devices = devices;
        this.capabilities = capabilities;
        this.credentials = credentials;
        this.mapper = mapper;
        this.events = events;
        this.audit = audit;
        this.clock = clock;
    }

    /** The outcome of an enrolment. */
    public record Enrolled(dev.asgard.proto.registry.v1.Device device, boolean reEnrolled) {
    }

    /**
     * Enrols (or re-enrols) a device.
     *
     * @param request the validated request
     * @param credential the new credential (hashed already, off the event loop)
     * @return the device and whether it was a re-enrolment
     */
    @WithTransaction
    public Uni<Enrolled> enroll(EnrollRequest request, NewCredential credential) {
        byte[] fingerprint = sha256(request.getFingerprint());
        Instant now = clock.instant();
        return joinTokens.use(request.getJoinToken())
                .chain(token -> devices.findNewestByFingerprint(fingerprint)
                        .chain(existing -> existing.isPresent()
                                ? reEnroll(existing.get(), request, token, now)
                                : create(request, token, fingerprint, now)))
                .chain(enrolled -> storeCredential(enrolled.device, credential, now)
                        .chain(() -> capabilities.replace(enrolled.device.id, request.getCapabilitiesList().stream()
                                .map(c -> mapper.toEntity(c, enrolled.device.id)).toList()))
                        .chain(stored -> devices.flush().replaceWith(stored))
                        .chain(stored -> publish(enrolled, stored, now))
                        // The enrolling device is the actor: it proved itself with the join token, not a device token.
                        .call(result -> audit.record(AuditRecord.of("device.enroll", "device", enrolled.device.id)
                                .by(AuditCaller.device(enrolled.device.id.toString(), null))
                                .with("joinTokenId", enrolled.token.id)
                                .with("reEnrolled", enrolled.reEnrolled)
                                .with("credentialId", credential.id())
                                .with("name", enrolled.device.name))));
    }

    private record Prepared(Device device, JoinToken token, boolean reEnrolled) {
    }

    private Uni<Prepared> create(EnrollRequest request, JoinToken token, byte[] fingerprint, Instant now) {
        return devices.findLiveByName(request.getName()).chain(holder -> {
            if (holder.isPresent() && holder.get().fingerprintSha256 == null) {
                return Uni.createFrom().item(claim(holder.get(), request, token, fingerprint, now));
            }
            return devices.requireNameFree(request.getName(), null).map(ignored -> newDevice(request, token, fingerprint, now))
                    .call(prepared -> devices.persist(prepared.device));
        });
    }

    /**
     * The first machine enrolling under the name of a pre-registered device becomes that device: it keeps the
     * administrator's id, labels and networks and gets the token's on top.
     */
    private static Prepared claim(Device device, EnrollRequest request, JoinToken token, byte[] fingerprint, Instant now) {
        Map<String, String> preset = new LinkedHashMap<>(device.labels);
        device.fingerprintSha256 = fingerprint;
        device.worldType = request.getWorldType().name();
        device.status = token.requiresApproval ? Device.Status.PENDING : Device.Status.ACTIVE;
        device.statusChangedAt = now;
        device.joinTokenId = token.id;
        device.ephemeral = token.ephemeral;
        device.ephemeralGraceSeconds = token.ephemeralGraceSeconds;
        describe(device, request, token, now);
        // The administrator's labels win over what the device reports; the token's win over both.
        Map<String, String> labels = new LinkedHashMap<>(request.getLabelsMap());
        labels.putAll(preset);
        labels.putAll(token.labels);
        device.labels = labels;
        return new Prepared(device, token, false);
    }

    private static Prepared newDevice(EnrollRequest request, JoinToken token, byte[] fingerprint, Instant now) {
        Device device = new Device();
        device.id = UUID.randomUUID();
        device.fingerprintSha256 = fingerprint;
        device.createdAt = now;
        device.statusChangedAt = now;
        device.status = token.requiresApproval ? Device.Status.PENDING : Device.Status.ACTIVE;
        device.joinTokenId = token.id;
        device.ephemeral = token.ephemeral;
        device.ephemeralGraceSeconds = token.ephemeralGraceSeconds;
        device.networks = new String[0];
        describe(device, request, token, now);
        return new Prepared(device, token, false);
    }

    private Uni<Prepared> reEnroll(Device device, EnrollRequest request, JoinToken token, Instant now) {
        if (device.removedAt != null) {
            throw AsgardException.failedPrecondition("DEVICE_REMOVED",
                    "This machine was enrolled as device %s, which an administrator removed.", device.id)
                    .withHint("A removed device cannot enrol again; an administrator must register it anew.");
        }
        if (device.status == Device.Status.REVOKED) {
            throw AsgardException.failedPrecondition("DEVICE_REVOKED",
                    "This machine is device %s, whose access was revoked.", device.id)
                    .withHint("Ask an administrator to restore the device before enrolling again.");
        }
        return devices.requireNameFree(request.getName(), device.id).map(ignored -> {
            describe(device, request, token, now);
            return new Prepared(device, token, true);
        });
    }

    /** Applies what the device reports, plus the token's networks and labels (the token's labels win). */
    private static void describe(Device device, EnrollRequest request, JoinToken token, Instant now) {
        device.name = request.getName();
        device.worldType = request.getWorldType().name();
        device.hardware = request.hasHardware() ? request.getHardware().toByteArray() : null;
        device.metadata = request.hasMetadata() ? request.getMetadata().toByteArray() : null;
        Map<String, String> labels = new LinkedHashMap<>(request.getLabelsMap());
        labels.putAll(token.labels);
        device.labels = labels;
        Set<String> networks = new LinkedHashSet<>(List.of(device.networks));
        networks.addAll(List.of(token.networks));
        device.networks = networks.toArray(String[]::new);
        device.agentVersion = request.getAgentVersion().isEmpty() ? null : request.getAgentVersion();
        device.updatedAt = now;
        device.lastSeen = now;
    }

    private Uni<Void> storeCredential(Device device, NewCredential credential, Instant now) {
        DeviceCredential entity = new DeviceCredential();
        entity.id = credential.id();
        entity.deviceId = device.id;
        entity.secretHash = credential.hash();
        entity.createdAt = now;
        return credentials.revokeAll(device.id, now).chain(() -> credentials.persist(entity)).replaceWithVoid();
    }

    private Uni<Enrolled> publish(Prepared enrolled, List<DeviceCapability> stored, Instant now) {
        dev.asgard.proto.registry.v1.Device proto = mapper.toProto(enrolled.device, stored);
        DeviceRegistered event = DeviceRegistered.newBuilder()
                .setDeviceId(proto.getDeviceId())
                .setChangeTime(DeviceMapper.timestamp(now))
                .setDevice(proto)
                .setJoinTokenId(enrolled.token.id.toString())
                .setReEnrolled(enrolled.reEnrolled)
                .build();
        return events.publish(Topics.REGISTRY_EVENTS, proto.getDeviceId(), DEVICE_REGISTERED, proto.getDeviceId(), event)
                .replaceWith(new Enrolled(proto, enrolled.reEnrolled));
    }

    private static byte[] sha256(String fingerprint) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(fingerprint.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
