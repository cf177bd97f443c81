package dev.asgard.registry.repository;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.DeviceCapability;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;

/** Device capabilities in PostgreSQL. */
@ApplicationScoped
public class DeviceCapabilityRepository implements PanacheRepositoryBase<DeviceCapability, DeviceCapability.Key> {

    /**
     * @param deviceId a device
     * @return its capabilities by name
     */
    public Uni<List<DeviceCapability>> forDevice(UUID deviceId) {
        return list("deviceId = ?1 order by name", deviceId);
    }

    /**
     * Replaces all capabilities of a device.
     *
     * @param deviceId the device
     * @param capabilities the new set
     * @return the stored set
     */
    public Uni<List<DeviceCapability>> replace(UUID deviceId, List<DeviceCapability> capabilities) {
        return delete("deviceId", deviceId)
                .chain(() -> getSession())
                .chain(session -> session.flush())
                // Panache refuses to persist an empty collection.
                .chain(() -> capabilities.isEmpty() ? Uni.createFrom().voidItem() : persist(capabilities))
                .replaceWith(capabilities);
    }
}
