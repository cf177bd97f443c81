package dev.asgard.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;

import dev.asgard.proto.registry.v1.Capability;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.ExchangeCredentialResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Simulated devices, made the way real ones are: an administrator creates a join token over REST, the devices
 * enrol with it over gRPC and exchange their credentials for device tokens.
 */
final class DeviceFleet {

    /** One simulated device. */
    record SimDevice(String id, String credential, String token) {

        SimDevice withToken(String newToken) {
            return new SimDevice(id, credential, newToken);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_RETRIES = 20;
    private static final ScheduledExecutorService RETRY_TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "bench-retry");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong retries = new AtomicLong();
    private final String registryUrl;
    private final String adminToken;
    private final Channel channel;

    DeviceFleet(String registryUrl, String adminToken, Channel channel) {
        this.registryUrl = registryUrl;
        this.adminToken = adminToken;
        this.channel = channel;
    }

    /** @return a new join token (secret) that any number of devices may use within an hour */
    String createJoinToken() throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("description", "bench", "ttl", "1h",
                "labels", Map.of("bench", "true")));
        HttpRequest request = HttpRequest.newBuilder(URI.create(registryUrl + "/api/v1/join-tokens"))
                .header("Authorization", "Bearer " + adminToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                throw new IllegalStateException("Creating a join token answered " + response.statusCode() + ": "
                        + response.body());
            }
            return JSON.readTree(response.body()).path("token").asText();
        }
    }

    /**
     * Enrols devices named {@code <prefix>-<i>} concurrently, device {@code i} with join token {@code i mod n}.
     *
     * @return the enrolment answers (null where one failed), with timing
     */
    Batch<EnrollResponse> enrol(List<String> joinTokens, String prefix, int count, int concurrency)
            throws InterruptedException {
        RegistryServiceGrpc.RegistryServiceFutureStub stub = RegistryServiceGrpc.newFutureStub(channel);
        return Batch.run(count, concurrency, i -> withRetries(() -> stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .enroll(EnrollRequest.newBuilder()
                        .setJoinToken(joinTokens.get(i % joinTokens.size()))
                        .setName(prefix + "-" + i)
                        .setFingerprint("bench-machine-" + prefix + "-" + i)
                        .setWorldType(WorldType.WORLD_TYPE_SIMULATED)
                        .setAgentVersion("1.0.0")
                        .addCapabilities(Capability.newBuilder().setName("bench.heartbeat").setVersion("1.0.0"))
                        .build()), MAX_RETRIES));
    }

    /** @return how many calls were repeated after ABORTED so far */
    long retries() {
        return retries.get();
    }

    /**
     * ABORTED means a concurrent change won and the call may be repeated (commons' error model); a device agent
     * does exactly that, after a short random pause. The bench does the same and counts the repetitions.
     */
    private <T> ListenableFuture<T> withRetries(Supplier<ListenableFuture<T>> call, int left) {
        return Futures.catchingAsync(call.get(), StatusRuntimeException.class, failure -> {
            if (failure.getStatus().getCode() != Status.Code.ABORTED || left == 0) {
                return Futures.immediateFailedFuture(failure);
            }
            retries.incrementAndGet();
            return Futures.scheduleAsync(() -> withRetries(call, left - 1),
                    Duration.ofMillis(ThreadLocalRandom.current().nextLong(5, 50)), RETRY_TIMER);
        }, MoreExecutors.directExecutor());
    }

    /** @return the devices with the credentials of successful enrolments (no tokens yet) */
    static List<SimDevice> devices(Batch<EnrollResponse> enrolled) {
        List<SimDevice> devices = new ArrayList<>();
        for (EnrollResponse response : enrolled.results()) {
            if (response != null) {
                devices.add(new SimDevice(response.getDevice().getDeviceId(), response.getDeviceCredential(), null));
            }
        }
        return devices;
    }

    /**
     * Exchanges every device's credential for a device token, concurrently.
     *
     * @return the answers by device index (null where one failed), with timing
     */
    Batch<ExchangeCredentialResponse> exchange(List<SimDevice> devices, int concurrency) throws InterruptedException {
        RegistryServiceGrpc.RegistryServiceFutureStub stub = RegistryServiceGrpc.newFutureStub(channel);
        return Batch.run(devices.size(), concurrency, i -> stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .exchangeCredential(ExchangeCredentialRequest.newBuilder()
                        .setDeviceId(devices.get(i).id())
                        .setDeviceCredential(devices.get(i).credential())
                        .build()));
    }

    /** @return the devices that got a token, with it */
    static List<SimDevice> withTokens(List<SimDevice> devices, Batch<ExchangeCredentialResponse> exchanged) {
        List<SimDevice> ready = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            ExchangeCredentialResponse response = exchanged.results().get(i);
            if (response != null) {
                ready.add(devices.get(i).withToken(response.getAccessToken()));
            }
        }
        return ready;
    }
}
