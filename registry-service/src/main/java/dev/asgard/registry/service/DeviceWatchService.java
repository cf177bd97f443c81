package dev.asgard.registry.service;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.registry.v1.DeviceChangeType;
import dev.asgard.proto.registry.v1.WatchDevicesResponse;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.messaging.DeviceChangeFeed;
import dev.asgard.registry.messaging.DeviceChangeFeed.DeviceChange;
import dev.asgard.registry.query.DeviceMatcher;
import dev.asgard.registry.query.DeviceQuery;
import dev.asgard.registry.repository.DeviceQueryRepository;
import dev.asgard.registry.repository.DeviceQueryRepository.Cursor;
import dev.asgard.registry.repository.DeviceQueryRepository.Found;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureFailure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * {@code WatchDevices}: the changes of the devices matching a query, optionally preceded by their current state.
 *
 * <p>The stream subscribes to the change feed <em>before</em> it reads the current state and holds back the changes
 * that arrive meanwhile, so nothing that happens during the initial listing is lost; a change no newer than the
 * revision already reported for its device is dropped, so none is reported twice. A device that starts matching the
 * filter is reported as registered, one that stops matching as removed. A watcher that cannot keep up is cut off
 * with {@code RESOURCE_EXHAUSTED} / {@value #REASON_TOO_SLOW} rather than buffered without bound; it should watch
 * again with the initial state.
 */
@ApplicationScoped
public class DeviceWatchService {

    /** Reason of a watcher cut off because it did not read its stream fast enough. */
    public static final String REASON_TOO_SLOW = "WATCH_TOO_SLOW";

    static final int MAX_BUFFERED = 10_000;
    private static final int INITIAL_PAGE = 500;

    private final DeviceChangeFeed feed;
    private final DeviceQueryRepository devices;
    private final DeviceMapper mapper;

    public DeviceWatchService(DeviceChangeFeed feed, DeviceQueryRepository devices, DeviceMapper mapper) {
        this.feed = feed;
        this.devices = devices;
        this.mapper = mapper;
    }

    /**
     * @param query which devices (validated, with the caller's scope)
     * @param initialState whether to start with the current state of every matching device
     * @return the stream; it ends only when the caller cancels it or falls too far behind
     */
    public Multi<WatchDevicesResponse> watch(DeviceQuery query, boolean initialState) {
        return Multi.createFrom().<WatchDevicesResponse> emitter(emitter -> {
            Watch watch = new Watch(query, initialState, emitter::emit);
            Cancellable changes = feed.changes().subscribe().with(watch::onChange, emitter::fail);
            emitter.onTermination(changes::cancel);
            if (!initialState) {
                return;
            }
            current(query).subscribe().with(
                    found -> watch.onInitial(mapper.toProto(found.device(), found.capabilities())),
                    emitter::fail,
                    watch::initialComplete);
        }, BackPressureStrategy.ERROR)
                .onOverflow().buffer(MAX_BUFFERED)
                .onFailure(BackPressureFailure.class).transform(e -> AsgardException.resourceExhausted(REASON_TOO_SLOW,
                        "The watch fell more than %d changes behind and was closed.", MAX_BUFFERED)
                        .withHint("Read the stream faster, or watch again with send_initial_state to resynchronise."));
    }

    /** Every live device matching the query, page by page in name order. */
    private Multi<Found> current(DeviceQuery query) {
        AtomicReference<Cursor> after = new AtomicReference<>();
        return Multi.createBy().repeating()
                .uni(() -> devices.page(query, after.get(), INITIAL_PAGE).invoke(page -> {
                    if (!page.isEmpty()) {
                        after.set(Cursor.after(page.get(page.size() - 1).device(), query.order().key()));
                    }
                }))
                .whilst(page -> page.size() == INITIAL_PAGE)
                .onItem().transformToIterable(page -> page);
    }

    /** The state of one watch: which devices it reported as matching, and the changes held back. */
    private static final class Watch {
        private final DeviceQuery query;
        private final boolean initialState;
        private final java.util.function.Consumer<WatchDevicesResponse> out;
        private final Set<String> matching = new HashSet<>();
        private final Map<String, Long> revisions = new HashMap<>();
        private final Deque<DeviceChange> held = new ArrayDeque<>();
        private boolean live;

        Watch(DeviceQuery query, boolean initialState, java.util.function.Consumer<WatchDevicesResponse> out) {
            this.query = query;
            this.initialState = initialState;
            this.out = out;
            this.live = !initialState;
        }

        synchronized void onInitial(dev.asgard.proto.registry.v1.Device device) {
            matching.add(device.getDeviceId());
            revisions.put(device.getDeviceId(), device.getRevision());
            out.accept(WatchDevicesResponse.newBuilder().setChangeType(DeviceChangeType.DEVICE_CHANGE_TYPE_INITIAL)
                    .setDevice(device).setChangeTime(DeviceMapper.timestamp(java.time.Instant.now())).build());
        }

        synchronized void initialComplete() {
            out.accept(WatchDevicesResponse.newBuilder()
                    .setChangeType(DeviceChangeType.DEVICE_CHANGE_TYPE_INITIAL_STATE_COMPLETE)
                    .setChangeTime(DeviceMapper.timestamp(java.time.Instant.now())).build());
            while (!held.isEmpty()) {
                deliver(held.poll());
            }
            live = true;
        }

        synchronized void onChange(DeviceChange change) {
            if (!live) {
                if (held.size() >= MAX_BUFFERED) {
                    throw AsgardException.resourceExhausted(REASON_TOO_SLOW, "Too many changes while listing.");
                }
                held.add(change);
                return;
            }
            deliver(change);
        }

        private void deliver(DeviceChange change) {
            String id = change.device().getDeviceId();
            boolean matches = DeviceMatcher.matches(query, change.device());
            boolean known = matching.contains(id);
            DeviceChangeType type = change.type();
            if (type == DeviceChangeType.DEVICE_CHANGE_TYPE_REMOVED) {
                if (matches || known) {
                    matching.remove(id);
                    revisions.remove(id);
                    emit(type, change);
                }
                return;
            }
            Long reported = revisions.get(id);
            if (reported != null && change.device().getRevision() <= reported) {
                return;
            }
            revisions.put(id, change.device().getRevision());
            if (matches) {
                if (!known && initialState) {
                    // Not in the picture this watcher has: from its point of view the device appears.
                    type = DeviceChangeType.DEVICE_CHANGE_TYPE_REGISTERED;
                }
                matching.add(id);
                emit(type, change);
            } else if (known) {
                matching.remove(id);
                emit(DeviceChangeType.DEVICE_CHANGE_TYPE_REMOVED, change);
            }
        }

        private void emit(DeviceChangeType type, DeviceChange change) {
            WatchDevicesResponse.Builder response = WatchDevicesResponse.newBuilder()
                    .setChangeType(type)
                    .setDevice(change.device())
                    .setChangeTime(DeviceMapper.timestamp(change.changeTime()));
            if (type == DeviceChangeType.DEVICE_CHANGE_TYPE_STATUS_CHANGED) {
                response.setPreviousStatus(change.previousStatus());
            }
            out.accept(response.build());
        }
    }
}
