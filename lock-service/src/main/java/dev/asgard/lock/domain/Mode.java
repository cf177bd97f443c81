package dev.asgard.lock.domain;

import dev.asgard.proto.lock.v1.LockMode;

/** How a lock is held. Exclusive and shared share one kind of lock; a semaphore is another kind. */
public enum Mode {
    EXCLUSIVE, SHARED, SEMAPHORE;

    /** @return the lock kind this mode belongs to: {@code LOCK} or {@code SEMAPHORE} */
    public String kind() {
        return this == SEMAPHORE ? "SEMAPHORE" : "LOCK";
    }

    /** @return the protobuf form */
    public LockMode proto() {
        return LockMode.valueOf("LOCK_MODE_" + name());
    }

    /**
     * @param mode a protobuf mode; unspecified means exclusive
     * @return the mode
     */
    public static Mode of(LockMode mode) {
        return switch (mode) {
            case LOCK_MODE_SHARED -> SHARED;
            case LOCK_MODE_SEMAPHORE -> SEMAPHORE;
            default -> EXCLUSIVE;
        };
    }
}
