package dev.asgard.commons.events;

/**
 * The Kafka topics of Asgard: one per area, carrying that area's events told apart by {@code ce_type}
 * (ARCHITECTURE.md, section 4).
 */
public final class Topics {

    /** Device registered, updated, status changed, removed, credentials rotated. */
    public static final String REGISTRY_EVENTS = "asgard.registry.events";
    /** Network created / updated / deleted, members, connections, network health. */
    public static final String NETWORK_EVENTS = "asgard.network.events";
    /** Device sessions, dead-lettered messages, queue overflow. */
    public static final String ROUTING_EVENTS = "asgard.routing.events";
    /** Lock acquired / released / expired / preempted, deadlock detected. */
    public static final String LOCK_EVENTS = "asgard.lock.events";
    /** Backup runs, snapshots, repository checks. */
    public static final String BACKUP_EVENTS = "asgard.backup.events";

    private Topics() {
    }
}
