package dev.asgard.registry.messaging;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.ReceivedEvent;
import dev.asgard.proto.events.v1.DeviceRegistered;
import dev.asgard.proto.events.v1.DeviceRemoved;
import dev.asgard.proto.events.v1.DeviceStatusChanged;
import dev.asgard.proto.events.v1.DeviceUpdated;
import dev.asgard.proto.registry.v1.Device;
import dev.asgard.proto.registry.v1.DeviceChangeType;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceQueryRepository;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

/**
 * The registry's own events, read back from Kafka by every replica, as a hot stream of device changes for
 * {@code WatchDevices}. Reading the topic (rather than hooking the write path) means a watcher on any replica sees
 * changes made on every replica, in the per-device order of the topic, and only once they are committed.
 *
 * <p>The channel uses a consumer group of its own per start and begins at the end of the topic: watchers ask for
 * the current state explicitly ({@code send_initial_state}), so history is never replayed. Events whose payload
 * lacks the full record (status changes) are completed from the database, but only while someone watches.
 */
@ApplicationScoped
public class DeviceChangeFeed {

    /** The incoming channel (configured in application.properties). */
    public static final String CHANNEL = "registry-device-watch-in";

    private static final Logger LOG = Logger.getLogger(DeviceChangeFeed.class);

    private final BroadcastProcessor<DeviceChange> processor = BroadcastProcessor.create();
    private final AtomicInteger watchers = new AtomicInteger();
    private final DeviceQueryRepository devices;
    private final DeviceMapper mapper;

    public DeviceChangeFeed(DeviceQueryRepository devices, DeviceMapper mapper) {
        this.devices = devices;
        this.mapper = mapper;
    }

    /**
     * One change of one device.
     *
     * @param type what happened
     * @param device the device after the change (its last known state for removals)
     * @param previousStatus the status before, for status changes
     * @param changeTime when it happened
     */
    public record DeviceChange(DeviceChangeType type, Device device, DeviceStatus previousStatus, Instant changeTime) {
    }

    /** @return the hot stream of changes; each subscriber sees the changes from its subscription on */
    public Multi<DeviceChange> changes() {
        return processor
                .onSubscription().invoke(() -> watchers.incrementAndGet())
                .onTermination().invoke(() -> watchers.decrementAndGet());
    }

    /**
     * Turns one registry event into a change and hands it to the watchers; never fails, so one bad record cannot
     * stop the stream.
     *
     * @param record the Kafka record
     * @return completion once the change was handed on
     */
    @Incoming(CHANNEL)
    public Uni<Void> onRecord(ConsumerRecord<String, byte[]> record) {
        if (watchers.get() == 0) {
            return Uni.createFrom().voidItem();
        }
        ReceivedEvent event;
        try {
            event = EventHeaders.read(record);
        } catch (RuntimeException e) {
            return Uni.createFrom().voidItem();
        }
        try {
            return change(event.type(), record.value())
                    .invoke(change -> change.ifPresent(processor::onNext))
                    .onFailure().invoke(e -> LOG.warnf("Could not complete device change %s: %s", event.id(), e.getMessage()))
                    .onFailure().recoverWithNull()
                    .replaceWithVoid();
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.errorf("Skipped unreadable registry event %s of type %s: %s", event.id(), event.type(), e.getMessage());
            return Uni.createFrom().voidItem();
        }
    }

    private Uni<Optional<DeviceChange>> change(String type, byte[] payload) throws InvalidProtocolBufferException {
        return switch (type) {
            case "asgard.registry.device.registered" -> {
                DeviceRegistered e = DeviceRegistered.parseFrom(payload);
                yield known(DeviceChangeType.DEVICE_CHANGE_TYPE_REGISTERED, e.getDevice(), DeviceStatus.DEVICE_STATUS_UNSPECIFIED,
                        e.getChangeTime());
            }
            case "asgard.registry.device.updated" -> {
                DeviceUpdated e = DeviceUpdated.parseFrom(payload);
                yield known(DeviceChangeType.DEVICE_CHANGE_TYPE_UPDATED, e.getDevice(), DeviceStatus.DEVICE_STATUS_UNSPECIFIED,
                        e.getChangeTime());
            }
            case "asgard.registry.device.status_changed" -> {
                DeviceStatusChanged e = DeviceStatusChanged.parseFrom(payload);
                yield devices.findLive(UUID.fromString(e.getDeviceId())).map(found -> found == null ? Optional.empty()
                        : Optional.of(new DeviceChange(DeviceChangeType.DEVICE_CHANGE_TYPE_STATUS_CHANGED,
                                mapper.toProto(found.device(), found.capabilities()).toBuilder()
                                        // The state this event describes, even if the row moved on since.
                                        .setStatus(e.getNewStatus()).setRevision(e.getRevision()).build(),
                                e.getOldStatus(), instant(e.getChangeTime()))));
            }
            case "asgard.registry.device.removed" -> {
                DeviceRemoved e = DeviceRemoved.parseFrom(payload);
                // Removed rows stay (so the machine cannot enrol again): their last state decides who is told.
                Device fallback = Device.newBuilder().setDeviceId(e.getDeviceId()).setName(e.getName()).build();
                yield devices.findAny(UUID.fromString(e.getDeviceId())).map(found -> Optional.of(new DeviceChange(
                        DeviceChangeType.DEVICE_CHANGE_TYPE_REMOVED,
                        found == null ? fallback : mapper.toProto(found.device(), found.capabilities()),
                        DeviceStatus.DEVICE_STATUS_UNSPECIFIED, instant(e.getChangeTime()))));
            }
            default -> Uni.createFrom().item(Optional.empty());
        };
    }

    private static Uni<Optional<DeviceChange>> known(DeviceChangeType type, Device device, DeviceStatus previous,
            Timestamp time) {
        return Uni.createFrom().item(Optional.of(new DeviceChange(type, device, previous, instant(time))));
    }

    private static Instant instant(Timestamp time) {
        return Instant.ofEpochSecond(time.getSeconds(), time.getNanos());
    }

    /** @return the time as a protobuf timestamp */
    static Timestamp timestamp(Instant instant) {
        return DeviceMapper.timestamp(instant);
    }
}
