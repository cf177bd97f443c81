package dev.asgard.registry.query;

import java.util.Map;

import dev.asgard.proto.registry.v1.Device;

/**
 * The in-memory twin of the SQL in {@code DeviceQueryRepository}: whether one device matches a query. Watch
 * streams use it on every change; the two must agree ({@code DeviceMatcherTest} and {@code DeviceResourceTest} check
 * the same selector cases).
 */
public final class DeviceMatcher {

    private DeviceMatcher() {
    }

    /**
     * @param query the query (its order is ignored)
     * @param device a device
     * @return whether the device matches every criterion and lies in the caller's scope
     */
    public static boolean matches(DeviceQuery query, Device device) {
        if (!query.deviceIds().isEmpty() && query.deviceIds().stream().noneMatch(id -> id.toString().equals(device.getDeviceId()))) {
            return false;
        }
        if (query.networkId() != null && !device.getNetworkIdsList().contains(query.networkId())) {
            return false;
        }
        if (query.visibleNetworks().isPresent()
                && query.visibleNetworks().get().stream().noneMatch(device.getNetworkIdsList()::contains)) {
            return false;
        }
        if (!query.worldTypes().isEmpty() && !query.worldTypes().contains(device.getWorldType().name())) {
            return false;
        }
        if (!query.statuses().isEmpty()
                && !query.statuses().contains(device.getStatus().name().substring("DEVICE_STATUS_".length()))) {
            return false;
        }
        if (query.capability() != null && device.getCapabilitiesList().stream().noneMatch(c -> c.getName().equals(query.capability())
                && (query.capabilityVersion() == null || c.getVersion().equals(query.capabilityVersion())))) {
            return false;
        }
        if (query.namePrefix() != null && !device.getName().startsWith(query.namePrefix())) {
            return false;
        }
        return labelsMatch(query, device.getLabelsMap());
    }

    private static boolean labelsMatch(DeviceQuery query, Map<String, String> labels) {
        for (Map.Entry<String, String> wanted : query.matchLabels().entrySet()) {
            if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
                return false;
            }
        }
        for (DeviceQuery.LabelRequirement requirement : query.expressions()) {
            String value = labels.get(requirement.key());
            boolean ok = switch (requirement.operator()) {
                case IN -> value != null && requirement.values().contains(value);
                case NOT_IN -> value == null || !requirement.values().contains(value);
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
