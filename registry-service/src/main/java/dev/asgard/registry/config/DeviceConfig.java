package dev.asgard.registry.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Device settings ({@code asgard.registry.devices.*}). */
@ConfigMapping(prefix = "asgard.registry.devices")
public interface DeviceConfig {

    /** @return how often devices send heartbeats, told to them at enrolment and in every heartbeat answer */
    @WithDefault("30s")
    Duration heartbeatInterval();
}
