package dev.asgard.registry.query;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A validated device query: which live devices, in which order. Built by {@link DeviceQueries} from the
 * {@code DeviceFilter} of the gRPC API or the query parameters of the REST API, so both run the same SQL.
 *
 * @param deviceIds only these devices; empty for any
 * @param networkId only members of this network; null for any
 * @param worldTypes only these kinds (stored names such as {@code WORLD_TYPE_PHYSICAL}); empty for any
 * @param statuses only these statuses (stored names such as {@code ACTIVE}); empty for any
 * @param capability only devices offering this capability; null for any
 * @param capabilityVersion with {@link #capability}: only this exact version; null for any
 * @param matchLabels labels that must be present with these values
 * @param expressions further label requirements
 * @param namePrefix only names starting with this; null for any
 * @param visibleNetworks the caller's scope: only devices in at least one of these networks; empty Optional
 *        when the caller may see every device (administrators)
 * @param order the sort order
 */
public record DeviceQuery(
        List<UUID> deviceIds,
        String networkId,
        List<String> worldTypes,
        List<String> statuses,
        String capability,
        String capabilityVersion,
        Map<String, String> matchLabels,
        List<LabelRequirement> expressions,
        String namePrefix,
        Optional<List<String>> visibleNetworks,
        DeviceOrder order) {

    /** Copies the collections. */
    public DeviceQuery {
        deviceIds = List.copyOf(deviceIds);
        worldTypes = List.copyOf(worldTypes);
        statuses = List.copyOf(statuses);
        matchLabels = Map.copyOf(matchLabels);
        expressions = List.copyOf(expressions);
        visibleNetworks = visibleNetworks.map(List::copyOf);
    }

    /** One label requirement, such as {@code zone in (attic, cellar)}. */
    public record LabelRequirement(String key, Operator operator, List<String> values) {

        /** Copies the values. */
        public LabelRequirement {
            values = List.copyOf(values);
        }

        /** How the label value is compared. */
        public enum Operator {
            IN, NOT_IN, EXISTS, DOES_NOT_EXIST
        }
    }
}
