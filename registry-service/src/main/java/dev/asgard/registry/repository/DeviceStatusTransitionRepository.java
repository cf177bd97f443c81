package dev.asgard.registry.repository;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.DeviceStatusTransition;
import io.quarkus.hibernate.reactive.panache.PanacheRepository;

/** The status transition record. */
@ApplicationScoped
public class DeviceStatusTransitionRepository implements PanacheRepository<DeviceStatusTransition> {
}
