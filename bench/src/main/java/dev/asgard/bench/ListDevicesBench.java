package dev.asgard.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.asgard.proto.common.v1.LabelSelector;
import dev.asgard.proto.common.v1.LabelSelectorOperator;
import dev.asgard.proto.common.v1.LabelSelectorRequirement;
import dev.asgard.proto.registry.v1.DeviceFilter;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.ListDevicesRequest;
import dev.asgard.proto.registry.v1.ListDevicesResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * {@code RegistryService/ListDevices} with one filter at a time (and one combination) over the seeded fleet:
 * first pages of {@code pageSize}, plus the page after a first page (cursor). Answers UNIMPLEMENTED are reported
 * as such, and the remaining cases are skipped.
 */
final class ListDevicesBench {

    private final RegistryServiceGrpc.RegistryServiceFutureStub async;
    private final RegistryServiceGrpc.RegistryServiceBlockingStub blocking;
    private final PrintStream out;

    ListDevicesBench(Channel channel, String callerToken, PrintStream out) {
        BearerCredentials credentials = new BearerCredentials(callerToken);
        this.async = RegistryServiceGrpc.newFutureStub(channel).withCallCredentials(credentials);
        this.blocking = RegistryServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
        this.out = out;
    }

    /** The filters measured, by name. */
    static Map<String, DeviceFilter> filters() {
        Map<String, DeviceFilter> filters = new LinkedHashMap<>();
        filters.put("none", DeviceFilter.getDefaultInstance());
        filters.put("network", DeviceFilter.newBuilder().setNetworkId(DeviceSeeder.network(7)).build());
        filters.put("status=ACTIVE", DeviceFilter.newBuilder().addStatuses(DeviceStatus.DEVICE_STATUS_ACTIVE).build());
        filters.put("status=REVOKED", DeviceFilter.newBuilder().addStatuses(DeviceStatus.DEVICE_STATUS_REVOKED).build());
        filters.put("world=CONTAINER", DeviceFilter.newBuilder().addWorldTypes(WorldType.WORLD_TYPE_CONTAINER).build());
        filters.put("capability", DeviceFilter.newBuilder().setCapability("compute.gpu").build());
        filters.put("label zone=zone-7", DeviceFilter.newBuilder().setLabelSelector(LabelSelector.newBuilder()
                .putMatchLabels("zone", "zone-7")).build());
        filters.put("label role in (gateway,sensor)", DeviceFilter.newBuilder().setLabelSelector(LabelSelector
                .newBuilder().addMatchExpressions(LabelSelectorRequirement.newBuilder().setKey("role")
                        .setOperator(LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN)
                        .addValues("gateway").addValues("sensor"))).build());
        filters.put("name prefix", DeviceFilter.newBuilder().setNamePrefix("fleet-0420").build());
        filters.put("combined", DeviceFilter.newBuilder()
                .setNetworkId(DeviceSeeder.network(7))
                .addStatuses(DeviceStatus.DEVICE_STATUS_ACTIVE)
                .setCapability("compute.gpu")
                .setLabelSelector(LabelSelector.newBuilder().putMatchLabels("env", "prod"))
                .build());
        return filters;
    }

    /**
     * @param suffix appended to each case's name (which concurrency it ran at), or empty
     * @return one result per case; a single "skipped" entry when the registry does not implement ListDevices
     */
    List<Latency> run(int calls, int concurrency, int pageSize, int warmupCalls, String suffix)
            throws InterruptedException {
        List<Latency> results = new ArrayList<>();
        // The registry's and the bench's JIT compile the path every filter shares during whichever filter comes first:
        // one warm-up round over all filters before any is measured (then each filter's own warm-up as before).
        for (DeviceFilter filter : filters().values()) {
            ListDevicesRequest request = ListDevicesRequest.newBuilder().setFilter(filter).setPageSize(pageSize).build();
            Batch.run(warmupCalls, concurrency, i -> async.withDeadlineAfter(30, TimeUnit.SECONDS).listDevices(request));
        }
        for (Map.Entry<String, DeviceFilter> filter : filters().entrySet()) {
            ListDevicesRequest request = ListDevicesRequest.newBuilder().setFilter(filter.getValue())
                    .setPageSize(pageSize).build();
            ListDevicesResponse first;
            try {
                first = blocking.withDeadlineAfter(30, TimeUnit.SECONDS).listDevices(request);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                    out.println("  ListDevices answers UNIMPLEMENTED: this registry build has no ListDevices yet;"
                            + " the list-devices scenario is skipped.");
                    results.add(Latency.skipped("list-devices", "UNIMPLEMENTED by this registry build"));
                    return results;
                }
                out.println("  ListDevices [" + filter.getKey() + "] failed: " + e.getStatus());
                results.add(Latency.skipped("list " + filter.getKey() + suffix, "failed: " + e.getStatus().getCode()));
                continue;
            }
            results.add(measure("list " + filter.getKey() + suffix, request, calls, concurrency, warmupCalls,
                    first.getDevicesCount() + " on page 1" + (first.getNextPageToken().isEmpty() ? ", last page" : "")));
            if (filter.getKey().equals("status=ACTIVE") && !first.getNextPageToken().isEmpty()) {
                ListDevicesRequest next = request.toBuilder().setPageToken(first.getNextPageToken()).build();
                results.add(measure("list status=ACTIVE, page 2" + suffix, next, calls, concurrency, warmupCalls, "cursor"));
            }
        }
        return results;
    }

    private Latency measure(String name, ListDevicesRequest request, int calls, int concurrency, int warmupCalls,
            String note) throws InterruptedException {
        Batch.run(warmupCalls, concurrency, i -> async.withDeadlineAfter(30, TimeUnit.SECONDS).listDevices(request));
        Batch<ListDevicesResponse> batch = Batch.run(calls, concurrency,
                i -> async.withDeadlineAfter(30, TimeUnit.SECONDS).listDevices(request));
        Latency latency = Latency.of(name, batch.latency(), batch.errorCount(), batch.seconds(),
                note + (batch.errors().isEmpty() ? "" : ", " + batch.errorSummary()));
        out.printf("  %-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%s)%n", name, latency.p50(), latency.p99(),
                latency.max(), latency.note());
        return latency;
    }
}
