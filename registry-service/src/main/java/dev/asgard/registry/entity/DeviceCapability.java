package dev.asgard.registry.entity;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One capability a device offers ({@code namespace.name}, optional version and attributes). */
@Entity
@Table(name = "device_capability")
@IdClass(DeviceCapability.Key.class)
public class DeviceCapability {

    @Id
    @Column(name = "device_id")
    public UUID deviceId;

    @Id
    public String name;

    // No field initializers on persistent attributes: Quarkus enhances entities for inline dirty tracking, and an
    // initializer runs through the tracked setter in the constructor, so every instance Hibernate creates to load a
    // row starts with that attribute marked changed; the flush then writes the row back and bumps its version
    // (concurrent enrolments with one join token failed on that; UnchangedEntitiesTest, ConcurrentUseGrpcTest).
    // Code that creates an entity sets these fields itself.
    @Column(nullable = false)
    public String version;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> attributes;

    /** Composite key: device and capability name. */
    public static class Key implements Serializable {
        public UUID deviceId;
        public String name;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && Objects.equals(deviceId, other.deviceId) && Objects.equals(name, other.name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(deviceId, name);
        }
    }
}
