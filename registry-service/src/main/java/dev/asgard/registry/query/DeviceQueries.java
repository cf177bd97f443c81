package dev.asgard.registry.query;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import dev.asgard.commons.error.Validation;
import dev.asgard.proto.common.v1.LabelSelector;
import dev.asgard.proto.common.v1.LabelSelectorOperator;
import dev.asgard.proto.common.v1.LabelSelectorRequirement;
import dev.asgard.proto.registry.v1.DeviceFilter;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.service.DeviceValidation;
import dev.asgard.registry.service.Labels;

/**
 * Validates a {@link DeviceFilter} and turns it into a {@link DeviceQuery}. Every bad criterion becomes a field
 * violation (field names as in the proto, prefixed {@code filter.}); all of them are reported at once.
 */
public final class DeviceQueries {

    /** Most device ids one filter may name. */
    public static final int MAX_DEVICE_IDS = 500;
    /** Most values one label requirement may list. */
    public static final int MAX_SELECTOR_VALUES = 64;

    private static final Pattern NAME_PREFIX = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private DeviceQueries() {
    }

    /**
     * @param filter the filter of the request (may be the default instance)
     * @param orderBy the request's {@code order_by}
     * @param visibleNetworks the caller's scope (see {@link DeviceQuery#visibleNetworks()})
     * @return the query
     * @throws dev.asgard.commons.error.AsgardException INVALID_ARGUMENT with every violation
     */
    public static DeviceQuery from(DeviceFilter filter, String orderBy, Optional<List<String>> visibleNetworks) {
        Validation v = Validation.create();
        List<UUID> ids = new ArrayList<>();
        v.check(filter.getDeviceIdsCount() <= MAX_DEVICE_IDS, "filter.device_ids", "at most " + MAX_DEVICE_IDS);
        for (int i = 0; i < filter.getDeviceIdsCount(); i++) {
            try {
                ids.add(UUID.fromString(filter.getDeviceIds(i)));
            } catch (IllegalArgumentException e) {
                v.add("filter.device_ids[" + i + "]", "must be a device id (UUID)");
            }
        }
        String network = blankToNull(filter.getNetworkId());
        if (network != null) {
            Labels.validateIds(v, "filter.network_id", List.of(network), 1);
        }
        List<String> worldTypes = new ArrayList<>();
        for (int i = 0; i < filter.getWorldTypesCount(); i++) {
            WorldType type = filter.getWorldTypes(i);
            if (type == WorldType.WORLD_TYPE_UNSPECIFIED || type == WorldType.UNRECOGNIZED) {
                v.add("filter.world_types[" + i + "]", "must be a known world type, not unspecified");
            } else {
                worldTypes.add(type.name());
            }
        }
        List<String> statuses = new ArrayList<>();
        for (int i = 0; i < filter.getStatusesCount(); i++) {
            DeviceStatus status = filter.getStatuses(i);
            if (status == DeviceStatus.DEVICE_STATUS_UNSPECIFIED || status == DeviceStatus.UNRECOGNIZED) {
                v.add("filter.statuses[" + i + "]", "must be a known status, not unspecified");
            } else {
                statuses.add(status.name().substring("DEVICE_STATUS_".length()));
            }
        }
        String capability = blankToNull(filter.getCapability());
        if (capability != null) {
            DeviceValidation.capabilityName(v, "filter.capability", capability);
        }
        String prefix = blankToNull(filter.getNamePrefix());
        if (prefix != null) {
            v.check(NAME_PREFIX.matcher(prefix).matches(), "filter.name_prefix",
                    "must be 1-63 lower-case letters, digits and '-', starting with a letter or digit");
        }
        Map<String, String> matchLabels = new LinkedHashMap<>();
        List<DeviceQuery.LabelRequirement> expressions = new ArrayList<>();
        selector(v, filter.getLabelSelector(), matchLabels, expressions);
        v.throwIfInvalid();
        return new DeviceQuery(ids, network, worldTypes, statuses, capability, null, matchLabels, expressions, prefix,
                visibleNetworks, DeviceOrder.parse(orderBy));
    }

    private static void selector(Validation v, LabelSelector selector, Map<String, String> matchLabels,
            List<DeviceQuery.LabelRequirement> expressions) {
        String field = "filter.label_selector";
        Labels.validate(v, field + ".match_labels", selector.getMatchLabelsMap());
        matchLabels.putAll(selector.getMatchLabelsMap());
        v.check(selector.getMatchExpressionsCount() <= Labels.MAX_LABELS, field + ".match_expressions",
                "at most " + Labels.MAX_LABELS);
        for (int i = 0; i < selector.getMatchExpressionsCount(); i++) {
            LabelSelectorRequirement requirement = selector.getMatchExpressions(i);
            String at = field + ".match_expressions[" + i + "]";
            v.check(Labels.isValidKey(requirement.getKey()), at + ".key", "must be a label key");
            DeviceQuery.LabelRequirement.Operator operator = switch (requirement.getOperator()) {
                case LABEL_SELECTOR_OPERATOR_IN -> DeviceQuery.LabelRequirement.Operator.IN;
                case LABEL_SELECTOR_OPERATOR_NOT_IN -> DeviceQuery.LabelRequirement.Operator.NOT_IN;
                case LABEL_SELECTOR_OPERATOR_EXISTS -> DeviceQuery.LabelRequirement.Operator.EXISTS;
                case LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST -> DeviceQuery.LabelRequirement.Operator.DOES_NOT_EXIST;
                case LABEL_SELECTOR_OPERATOR_UNSPECIFIED, UNRECOGNIZED -> null;
            };
            if (operator == null) {
                v.add(at + ".operator", "must be IN, NOT_IN, EXISTS or DOES_NOT_EXIST");
                continue;
            }
            boolean takesValues = requirement.getOperator() == LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN
                    || requirement.getOperator() == LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_NOT_IN;
            if (takesValues) {
                v.check(requirement.getValuesCount() >= 1 && requirement.getValuesCount() <= MAX_SELECTOR_VALUES,
                        at + ".values", "IN and NOT_IN need 1 to " + MAX_SELECTOR_VALUES + " values");
                for (int j = 0; j < requirement.getValuesCount(); j++) {
                    v.check(Labels.isValidValue(requirement.getValues(j)), at + ".values[" + j + "]",
                            "must be a label value");
                }
            } else {
                v.check(requirement.getValuesCount() == 0, at + ".values", "EXISTS and DOES_NOT_EXIST take no values");
            }
            expressions.add(new DeviceQuery.LabelRequirement(requirement.getKey(), operator, requirement.getValuesList()));
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
