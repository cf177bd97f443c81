package dev.asgard.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.FieldMask;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.common.v1.LabelSelector;
import dev.asgard.proto.registry.v1.Capability;
import dev.asgard.proto.registry.v1.Device;
import dev.asgard.proto.registry.v1.DeviceFilter;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.FindProvidersRequest;
import dev.asgard.proto.registry.v1.FindProvidersResponse;
import dev.asgard.proto.registry.v1.GetDeviceRequest;
import dev.asgard.proto.registry.v1.ListDevicesRequest;
import dev.asgard.proto.registry.v1.ListDevicesResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.UpdateDeviceRequest;
import dev.asgard.proto.registry.v1.UpdateDeviceResponse;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.service.DeviceUpdates;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class DeviceGrpcTest {

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private RegistryServiceGrpc.RegistryServiceBlockingStub registry;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        registry = RegistryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aDeviceReadsItsOwnRecordButNoOtherOne() {
        Device mine = enroll(network(), "storage.nfs");
        Device other = enroll(network(), "storage.nfs");
        Device read = as(mine).getDevice(GetDeviceRequest.newBuilder().setDeviceId(mine.getDeviceId()).build()).getDevice();
        assertEquals(mine.getName(), read.getName());
        assertEquals(List.of("storage.nfs"), read.getCapabilitiesList().stream().map(Capability::getName).toList());

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> as(mine).getDevice(GetDeviceRequest.newBuilder().setDeviceId(other.getDeviceId()).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertEquals("DEVICE_ACTS_ONLY_FOR_ITSELF", GrpcErrors.reason(e).orElseThrow());
    }

    @Test
    void aDeviceUpdatesTheFieldsOfItsMaskAndNothingElse() {
        Device mine = enroll(network(), "storage.nfs");
        UpdateDeviceResponse updated = as(mine).updateDevice(UpdateDeviceRequest.newBuilder()
                .setDevice(Device.newBuilder().setDeviceId(mine.getDeviceId()).setName("ignored-name")
                        .putLabels("zone", "attic").setAgentVersion("2.0.0")
                        .addCapabilities(Capability.newBuilder().setName("media.rtsp").setVersion("1.0.0")))
                .setUpdateMask(FieldMask.newBuilder().addPaths("labels").addPaths("capabilities").addPaths("agent_version"))
                .setExpectedRevision(mine.getRevision())
                .build());
        Device device = updated.getDevice();
        assertEquals(mine.getName(), device.getName());
        assertEquals(Map.of("zone", "attic"), device.getLabelsMap());
        assertEquals("2.0.0", device.getAgentVersion());
        assertEquals(List.of("media.rtsp"), device.getCapabilitiesList().stream().map(Capability::getName).toList());
        assertTrue(device.getRevision() > mine.getRevision());

        // Revision 0 means "no check"; from here on the revisions are real.
        long first = device.getRevision();
        as(mine).updateDevice(UpdateDeviceRequest.newBuilder()
                .setDevice(Device.newBuilder().setDeviceId(mine.getDeviceId()).putLabels("zone", "attic")
                        .setAgentVersion("2.0.1"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("agent_version"))
                .setExpectedRevision(first).build());
        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> as(mine).updateDevice(
                UpdateDeviceRequest.newBuilder()
                        .setDevice(Device.newBuilder().setDeviceId(mine.getDeviceId()).putLabels("zone", "cellar"))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("labels"))
                        .setExpectedRevision(first).build()));
        assertEquals(Status.Code.ABORTED, stale.getStatus().getCode());
        assertEquals(DeviceUpdates.REVISION_MISMATCH, GrpcErrors.reason(stale).orElseThrow());
        assertEquals("attic", read(mine).getLabelsMap().get("zone"));
    }

    @Test
    void badUpdatesAreRefusedWithFieldViolationsAndChangeNothing() {
        Device mine = enroll(network(), "storage.nfs");
        long revision = read(mine).getRevision();
        StatusRuntimeException badPath = assertThrows(StatusRuntimeException.class, () -> as(mine).updateDevice(
                UpdateDeviceRequest.newBuilder().setDevice(Device.newBuilder().setDeviceId(mine.getDeviceId()).setName("x"))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("name")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badPath.getStatus().getCode());
        assertTrue(GrpcErrors.badRequest(badPath).orElseThrow().getFieldViolationsList().stream()
                .anyMatch(v -> v.getField().equals("update_mask.paths")));

        StatusRuntimeException reserved = assertThrows(StatusRuntimeException.class, () -> as(mine).updateDevice(
                UpdateDeviceRequest.newBuilder()
                        .setDevice(Device.newBuilder().setDeviceId(mine.getDeviceId()).putLabels("asgard.dev/role", "admin")
                                .addCapabilities(Capability.newBuilder().setName("Bad Capability")))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("labels").addPaths("capabilities")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, reserved.getStatus().getCode());
        List<String> fields = GrpcErrors.badRequest(reserved).orElseThrow().getFieldViolationsList().stream()
                .map(v -> v.getField()).toList();
        assertTrue(fields.contains("device.labels.asgard.dev/role"), fields.toString());
        assertTrue(fields.contains("capabilities[0].name"), fields.toString());

        StatusRuntimeException emptyMask = assertThrows(StatusRuntimeException.class, () -> as(mine).updateDevice(
                UpdateDeviceRequest.newBuilder().setDevice(Device.newBuilder().setDeviceId(mine.getDeviceId())).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, emptyMask.getStatus().getCode());
        assertEquals(revision, read(mine).getRevision());
    }

    @Test
    void findProvidersReturnsActiveProvidersInTheCallersNetworks() {
        String network = network();
        Device nfsA = enroll(network, "storage.nfs");
        Device nfsB = enroll(network, "storage.nfs");
        Device camera = enroll(network, "media.rtsp");
        Device elsewhere = enroll(network(), "storage.nfs");

        FindProvidersResponse found = as(camera).findProviders(FindProvidersRequest.newBuilder()
                .setCapability("storage.nfs").build());
        assertEquals(List.of(nfsA.getName(), nfsB.getName()).stream().sorted().toList(),
                found.getDevicesList().stream().map(Device::getName).toList());
        assertTrue(found.getDevicesList().stream().noneMatch(d -> d.getDeviceId().equals(elsewhere.getDeviceId())));
        FindProvidersResponse inNetwork = as(camera).findProviders(FindProvidersRequest.newBuilder()
                .setCapability("storage.nfs").setNetworkId(network).setVersion("4.2.0").setPageSize(1).build());
        assertEquals(1, inNetwork.getDevicesCount());
        assertTrue(!inNetwork.getNextPageToken().isEmpty());

        StatusRuntimeException foreign = assertThrows(StatusRuntimeException.class, () -> as(camera).findProviders(
                FindProvidersRequest.newBuilder().setCapability("storage.nfs").setNetworkId(network()).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, foreign.getStatus().getCode());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> as(camera).findProviders(
                FindProvidersRequest.newBuilder().setCapability("nfs").setVersion("four").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertEquals(2, GrpcErrors.badRequest(bad).orElseThrow().getFieldViolationsCount());
        StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class, () -> registry.findProviders(
                FindProvidersRequest.newBuilder().setCapability("storage.nfs").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
    }

    @Test
    void listDevicesFiltersWithinTheCallersNetworksAndPages() {
        String network = network();
        Device a = enroll(network, "storage.nfs");
        Device b = enroll(network, "media.rtsp");
        enroll(network(), "storage.nfs");
        ListDevicesResponse all = as(a).listDevices(ListDevicesRequest.newBuilder().setPageSize(1).build());
        assertEquals(1, all.getDevicesCount());
        ListDevicesResponse second = as(a).listDevices(ListDevicesRequest.newBuilder().setPageSize(1)
                .setPageToken(all.getNextPageToken()).build());
        assertEquals(List.of(a.getName(), b.getName()).stream().sorted().toList(),
                List.of(all.getDevices(0).getName(), second.getDevices(0).getName()));
        assertTrue(second.getNextPageToken().isEmpty());

        ListDevicesResponse filtered = as(a).listDevices(ListDevicesRequest.newBuilder()
                .setFilter(DeviceFilter.newBuilder().setNetworkId(network).setCapability("media.rtsp")
                        .addStatuses(DeviceStatus.DEVICE_STATUS_ACTIVE)
                        .setLabelSelector(LabelSelector.newBuilder().putMatchLabels("suite", "grpc")))
                .build());
        assertEquals(List.of(b.getDeviceId()), filtered.getDevicesList().stream().map(Device::getDeviceId).toList());
        // A label test alone: the caller's scope is then checked outside the index condition, and still holds.
        ListDevicesResponse labelled = as(a).listDevices(ListDevicesRequest.newBuilder()
                .setFilter(DeviceFilter.newBuilder()
                        .setLabelSelector(LabelSelector.newBuilder().putMatchLabels("suite", "grpc")))
                .build());
        assertEquals(List.of(a.getDeviceId(), b.getDeviceId()).stream().sorted().toList(),
                labelled.getDevicesList().stream().map(Device::getDeviceId).sorted().toList());

        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> as(a).listDevices(
                ListDevicesRequest.newBuilder().setPageSize(-5).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        StatusRuntimeException badToken = assertThrows(StatusRuntimeException.class, () -> as(a).listDevices(
                ListDevicesRequest.newBuilder().setPageToken("not-a-token").build()));
        assertEquals("INVALID_PAGE_TOKEN", GrpcErrors.reason(badToken).orElseThrow());
        StatusRuntimeException badFilter = assertThrows(StatusRuntimeException.class, () -> as(a).listDevices(
                ListDevicesRequest.newBuilder().setFilter(DeviceFilter.newBuilder()
                        .addStatuses(DeviceStatus.DEVICE_STATUS_UNSPECIFIED).addDeviceIds("nope")).build()));
        assertEquals(2, GrpcErrors.badRequest(badFilter).orElseThrow().getFieldViolationsCount());
    }

    private Device enroll(String network, String capability) {
        String token = TestDevices.joinToken(Map.of("networks", List.of(network)));
        return registry.enroll(TestDevices.request(token, TestDevices.newName(), TestDevices.newFingerprint())
                .putLabels("suite", "grpc")
                .addCapabilities(Capability.newBuilder().setName(capability).setVersion("4.2.0")).build()).getDevice();
    }

    private RegistryServiceGrpc.RegistryServiceBlockingStub as(Device device) {
        return registry.withCallCredentials(DeviceTokens.credentials(
                DeviceTokens.forDevice(device.getDeviceId(), device.getNetworkIdsList(), Map.of())));
    }

    private Device read(Device device) {
        return as(device).getDevice(GetDeviceRequest.newBuilder().setDeviceId(device.getDeviceId()).build()).getDevice();
    }

    private static String network() {
        return "net-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
