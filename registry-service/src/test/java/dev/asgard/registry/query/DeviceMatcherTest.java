package dev.asgard.registry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.common.v1.LabelSelector;
import dev.asgard.proto.registry.v1.Capability;
import dev.asgard.proto.registry.v1.Device;
import dev.asgard.proto.registry.v1.DeviceFilter;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.WorldType;

/** The in-memory matcher follows the same rules as the SQL that DeviceResourceTest checks through the API. */
class DeviceMatcherTest {

    private static final Device NAS = Device.newBuilder()
            .setDeviceId("7f3c0000-0000-0000-0000-000000000001").setName("nas-attic")
            .setWorldType(WorldType.WORLD_TYPE_PHYSICAL).setStatus(DeviceStatus.DEVICE_STATUS_ACTIVE)
            .putLabels("zone", "attic").putLabels("tier", "core").addNetworkIds("home")
            .addCapabilities(Capability.newBuilder().setName("storage.nfs").setVersion("4.2.0"))
            .build();

    @Test
    void labelSelectorsFollowKubectlSemantics() {
        assertEquals(true, matches("zone=attic"));
        assertEquals(true, matches("zone in (attic, cellar)"));
        assertEquals(false, matches("zone notin (attic)"));
        assertEquals(true, matches("color notin (red)"));
        assertEquals(true, matches("tier"));
        assertEquals(false, matches("!tier"));
        assertEquals(true, matches("!color,zone!=cellar"));
        assertEquals(false, matches("zone==cellar"));
    }

    @Test
    void everyCriterionMustHold() {
        assertEquals(true, matches(DeviceFilter.newBuilder().setNetworkId("home").setCapability("storage.nfs")
                .addWorldTypes(WorldType.WORLD_TYPE_PHYSICAL).addStatuses(DeviceStatus.DEVICE_STATUS_ACTIVE)
                .setNamePrefix("nas").build(), Optional.empty()));
        assertEquals(false, matches(DeviceFilter.newBuilder().setNetworkId("lab").build(), Optional.empty()));
        assertEquals(false, matches(DeviceFilter.newBuilder().setCapability("media.rtsp").build(), Optional.empty()));
        assertEquals(false, matches(DeviceFilter.newBuilder().addStatuses(DeviceStatus.DEVICE_STATUS_OFFLINE).build(),
                Optional.empty()));
        assertEquals(false, matches(DeviceFilter.newBuilder().setNamePrefix("cam").build(), Optional.empty()));
        assertEquals(false, matches(DeviceFilter.getDefaultInstance(), Optional.of(List.of("lab"))));
        assertEquals(true, matches(DeviceFilter.getDefaultInstance(), Optional.of(List.of("lab", "home"))));
    }

    @Test
    void malformedSelectorsNameThePosition() {
        AsgardException e = assertThrows(AsgardException.class, () -> LabelSelectorParser.parse("zone in (attic", "label_selector"));
        assertEquals(LabelSelectorParser.REASON, e.reason());
        assertThrows(AsgardException.class, () -> LabelSelectorParser.parse("zone between (a)", "label_selector"));
        assertThrows(AsgardException.class, () -> LabelSelectorParser.parse("zone=attic,", "label_selector"));
    }

    private static boolean matches(String selector) {
        LabelSelector parsed = LabelSelectorParser.parse(selector, "label_selector");
        return matches(DeviceFilter.newBuilder().setLabelSelector(parsed).build(), Optional.empty());
    }

    private static boolean matches(DeviceFilter filter, Optional<List<String>> visible) {
        return DeviceMatcher.matches(DeviceQueries.from(filter, "", visible), NAS);
    }
}
