package dev.asgard.registry.repository;

import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.registry.entity.Device;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Devices in PostgreSQL. */
@ApplicationScoped
public class DeviceRepository implements PanacheRepositoryBase<Device, UUID> {

    /**
     * @param fingerprintSha256 the hashed machine fingerprint
     * @return the newest device ever enrolled from that machine, removed ones included
     */
    public Uni<Optional<Device>> findNewestByFingerprint(byte[] fingerprintSha256) {
        return find("fingerprintSha256 = :fp", Sort.descending("createdAt"), Parameters.with("fp", fingerprintSha256))
                .firstResult().map(Optional::ofNullable);
    }

    /**
     * Marks a device this transaction looked at but did not change as read-only, so the flush does not write it.
     * Needed while {@link Device} had field initializers, which made every loaded device look changed to the
     * enhanced dirty tracking (see the note there); kept as a guard, since a write-back bumps the revision and
     * conflicts with concurrent work on the row (UnchangedEntitiesTest).
     *
     * @param device a managed device, or null
     * @return completion
     */
    public Uni<Void> leaveUnchanged(Device device) {
        if (device == null) {
            return Uni.createFrom().voidItem();
        }
        return getSession().invoke(session -> session.setReadOnly(device, true)).replaceWithVoid();
    }

    /**
     * @param name a device name
     * @param self the device that may hold it already (a rename or re-enrolment), or null
     * @return completion when no other live device holds the name, whatever its case
     * @throws AsgardException ALREADY_EXISTS {@code DEVICE_NAME_TAKEN} otherwise
     */
    public Uni<Void> requireNameFree(String name, UUID self) {
        return findLiveByName(name).map(holder -> {
            if (holder.isPresent() && !holder.get().id.equals(self)) {
                throw AsgardException.alreadyExists("DEVICE_NAME_TAKEN",
                        "The name '%s' belongs to another device (%s).", name, holder.get().id)
                        .withViolation("name", "is taken by another device")
                        .withHint("Choose another name, or remove the other device first if it is gone for good.");
            }
            return null;
        });
    }

    /**
     * @param name a device name
     * @return the live (not removed) device with that name, whatever its case
     */
    public Uni<Optional<Device>> findLiveByName(String name) {
        return find("lower(name) = lower(:name) and removedAt is null", Parameters.with("name", name))
                .firstResult().map(Optional::ofNullable);
    }
}
