package dev.asgard.registry.entity;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One status transition of a device, recorded in the transaction that made it (with its event). */
@Entity
@Table(name = "device_status_transition")
public class DeviceStatusTransition {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "device_id", nullable = false)
    public UUID deviceId;

    @Enumerated(EnumType.STRING)
    @Column(name = "old_status", nullable = false)
    public Device.Status oldStatus;

    @Enumerated(EnumType.STRING)
    @Column(name = "new_status", nullable = false)
    public Device.Status newStatus;

    @Column(nullable = false)
    public String reason;

    @Column(name = "changed_at", nullable = false)
    public Instant changedAt;
}
