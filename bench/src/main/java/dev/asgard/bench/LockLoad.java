package dev.asgard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

/**
 * One lock scenario against one system: {@code clients} threads, each with its own {@link LockSystem.Client},
 * loop take → critical section → release for the warm-up and then the measured time; every measured operation
 * (take and release, waiting included) goes into a histogram. The critical section checks mutual exclusion: a
 * second holder of a name at the same time is counted as a violation.
 */
final class LockLoad {

    /**
     * @param name the scenario name
     * @param clients client threads
     * @param locks 0 = every client has a lock of its own (uncontended); 1 = all share one; n = a random one of n
     *        per operation
     */
    record Scenario(String name, int clients, int locks) {

        boolean contended() {
            return locks > 0;
        }

        String lockName(int client) {
            return switch (locks) {
                case 0 -> "bench/" + name + "/own-" + client;
                case 1 -> "bench/" + name + "/hot";
                default -> "bench/" + name + "/" + ThreadLocalRandom.current().nextInt(locks);
            };
        }
    }

    /** The outcome: latency and rate, plus errors and mutual-exclusion violations. */
    record Result(Latency latency, long violations, String firstError, Map<String, Double> cores) {
    }

    private LockLoad() {
    }

    static Result run(LockSystem system, Scenario scenario, long warmupNanos, long measureNanos) throws Exception {
        List<LockSystem.Client> clients = new ArrayList<>();
        for (int i = 0; i < scenario.clients(); i++) {
            clients.add(system.client(i));
        }
        Map<String, AtomicInteger> holders = new ConcurrentHashMap<>();
        AtomicLong violations = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<String> firstError = new ArrayList<>();
        List<Histogram> histograms = new ArrayList<>();
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long end = measureFrom + measureNanos;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < scenario.clients(); i++) {
            int index = i;
            Histogram histogram = Latency.newHistogram();
            histograms.add(histogram);
            threads.add(Thread.ofPlatform().name("lock-client-" + i).start(() -> {
                LockSystem.Client client = clients.get(index);
                long now;
                while ((now = System.nanoTime()) < end) {
                    String name = scenario.lockName(index);
                    try {
                        Object held = scenario.contended() ? client.lock(name) : client.tryLock(name);
                        AtomicInteger inside = holders.computeIfAbsent(name, n -> new AtomicInteger());
                        if (inside.incrementAndGet() != 1) {
                            violations.incrementAndGet();
                        }
                        inside.decrementAndGet();
                        client.release(name, held);
                        long done = System.nanoTime();
                        if (now >= measureFrom && done <= end) {
                            histogram.recordValue(Math.min(done - now, histogram.getHighestTrackableValue()));
                        }
                    } catch (Exception e) {
                        if (now >= measureFrom) {
                            errors.incrementAndGet();
                        }
                        synchronized (firstError) {
                            if (firstError.isEmpty()) {
                                firstError.add(e.toString());
                            }
                        }
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException interrupted) {
                            return;
                        }
                    }
                }
            }));
        }
        // CPU per process over the measured window only.
        CpuSampler cpu = new CpuSampler();
        sleepUntil(measureFrom);
        CpuSampler.Sample first = cpu.sample();
        sleepUntil(end);
        Map<String, Double> cores = CpuSampler.cores(first, cpu.sample());
        for (Thread thread : threads) {
            thread.join();
        }
        for (LockSystem.Client client : clients) {
            client.close();
        }
        Histogram all = Latency.newHistogram();
        histograms.forEach(all::add);
        String note = scenario.clients() + " client(s), " + switch (scenario.locks()) {
            case 0 -> "own lock each";
            case 1 -> "one lock";
            default -> scenario.locks() + " locks, random";
        };
        return new Result(Latency.of(system.name() + " " + scenario.name(), all, errors.get(), measureNanos / 1e9, note),
                violations.get(), firstError.isEmpty() ? null : firstError.get(0), cores);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }
}
