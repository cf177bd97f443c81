package dev.asgard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;

import io.grpc.Status;

/**
 * A fixed number of asynchronous calls with at most {@code concurrency} in flight, timed one by one.
 *
 * @param results each call's result by index (null where it failed)
 * @param latency nanoseconds of the successful calls
 * @param errors failures by gRPC status code
 * @param seconds wall-clock time of the whole batch
 * @param <T> the call's result
 */
record Batch<T>(List<T> results, Histogram latency, Map<String, Long> errors, double seconds) {

    static <T> Batch<T> run(int count, int concurrency, IntFunction<ListenableFuture<T>> call)
            throws InterruptedException {
        Semaphore permits = new Semaphore(concurrency);
        Recorder recorder = new Recorder(3);
        AtomicReferenceArray<T> results = new AtomicReferenceArray<>(count);
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        long begin = System.nanoTime();
        for (int i = 0; i < count; i++) {
            permits.acquire();
            int index = i;
            long start = System.nanoTime();
            Futures.addCallback(call.apply(i), new FutureCallback<T>() {
                @Override
                public void onSuccess(T result) {
                    recorder.recordValue(System.nanoTime() - start);
                    results.set(index, result);
                    permits.release();
                }

                @Override
                public void onFailure(Throwable failure) {
                    errors.computeIfAbsent(Status.fromThrowable(failure).getCode().name(), k -> new LongAdder())
                            .increment();
                    permits.release();
                }
            }, MoreExecutors.directExecutor());
        }
        permits.acquire(concurrency);
        double seconds = (System.nanoTime() - begin) / 1e9;
        List<T> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(results.get(i));
        }
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((code, n) -> errorCounts.put(code, n.sum()));
        return new Batch<>(list, recorder.getIntervalHistogram(), errorCounts, seconds);
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** @return the first failure, for a message, or null */
    String errorSummary() {
        return errors.isEmpty() ? "" : "errors " + errors;
    }
}
