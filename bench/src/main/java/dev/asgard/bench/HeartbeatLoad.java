package dev.asgard.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Recorder;

import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.HeartbeatResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * Heartbeats from many simulated devices over a few shared channels with asynchronous stubs and a bounded number
 * of calls in flight. Devices take turns (round robin), each with its own token and an increasing sequence, so a
 * device never has two heartbeats in flight at once with {@code in-flight < devices}.
 *
 * <p>Unpaced ({@code rate = 0}), the driver sends as fast as the in-flight bound allows: that measures the
 * throughput ceiling, and latency there is mostly queueing. Paced, call {@code i} is due at
 * {@code start + i / rate}, and its latency is counted from that due time, not from when it was really sent: when
 * the system falls behind, the waiting shows up in the percentiles (no coordinated omission).
 */
final class HeartbeatLoad {

    /**
     * @param latency the measured calls
     * @param errors failures of measured calls, by status code
     * @param cores CPU used per process group during the measurement
     */
    record Result(Latency latency, Map<String, Long> errors, Map<String, Double> cores) {
    }

    private static final long DEADLINE_SECONDS = 10;

    private final List<RegistryServiceGrpc.RegistryServiceStub> stubs;
    private final String[] deviceIds;
    private final CallCredentials[] credentials;
    private final long[] sequences;
    private final int inFlight;

    HeartbeatLoad(List<ManagedChannel> channels, List<DeviceFleet.SimDevice> devices, int inFlight) {
        this.stubs = channels.stream().map(RegistryServiceGrpc::newStub).toList();
        this.deviceIds = devices.stream().map(DeviceFleet.SimDevice::id).toArray(String[]::new);
        this.credentials = devices.stream().map(d -> new BearerCredentials(d.token())).toArray(CallCredentials[]::new);
        this.sequences = new long[devices.size()];
        this.inFlight = inFlight;
    }

    Result run(String name, double rate, Duration warmup, Duration duration, CpuSampler cpu)
            throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        Recorder recorder = new Recorder(3);
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        LongAccumulator lastDone = new LongAccumulator(Math::max, 0);
        long period = rate > 0 ? (long) (1e9 / rate) : 0;
        long begin = System.nanoTime();
        long measureFrom = begin + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        CpuSampler.Sample cpuFrom = null;
        for (long i = 0; ; i++) {
            long due = period > 0 ? begin + i * period : System.nanoTime();
            if (period > 0) {
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
            }
            if (due >= end) {
                break;
            }
            if (cpuFrom == null && due >= measureFrom) {
                cpuFrom = cpu.sample();
            }
            permits.acquire();
            long start = period > 0 ? due : System.nanoTime();
            boolean measured = start >= measureFrom;
            int device = (int) (i % deviceIds.length);
            HeartbeatRequest request = HeartbeatRequest.newBuilder()
                    .setDeviceId(deviceIds[device])
                    .setSequence(++sequences[device])
                    .build();
            stubs.get((int) (i % stubs.size()))
                    .withCallCredentials(credentials[device])
                    .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .heartbeat(request, new StreamObserver<HeartbeatResponse>() {
                        @Override
                        public void onNext(HeartbeatResponse response) {
                            if (measured) {
                                long done = System.nanoTime();
                                recorder.recordValue(done - start);
                                lastDone.accumulate(done - measureFrom);
                            }
                        }

                        @Override
                        public void onError(Throwable failure) {
                            if (measured) {
                                errors.computeIfAbsent(Status.fromThrowable(failure).getCode().name(),
                                        k -> new LongAdder()).increment();
                            }
                            permits.release();
                        }

                        @Override
                        public void onCompleted() {
                            permits.release();
                        }
                    });
        }
        CpuSampler.Sample cpuTo = cpu.sample();
        permits.acquire(inFlight);
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((code, n) -> errorCounts.put(code, n.sum()));
        long errorTotal = errorCounts.values().stream().mapToLong(Long::longValue).sum();
        String note = (rate > 0 ? "paced at %.0f/s".formatted(rate) : "unpaced") + ", " + inFlight + " in flight"
                + (errorCounts.isEmpty() ? "" : ", errors " + errorCounts);
        // Calls due in the window that complete after it still count, over the time they really took: paced
        // faster than the registry can go, the backlog drains late, and the rate must show it.
        double seconds = Math.max(duration.toNanos(), lastDone.get()) / 1e9;
        Latency latency = Latency.of(name, recorder.getIntervalHistogram(), errorTotal, seconds, note);
        return new Result(latency, errorCounts,
                cpuFrom == null ? Map.of() : CpuSampler.cores(cpuFrom, cpuTo));
    }
}
