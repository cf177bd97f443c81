package dev.asgard.bench;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * Latency percentiles and throughput of one measured run.
 *
 * @param name what was measured
 * @param count successful calls measured
 * @param errors failed calls
 * @param seconds the measured wall-clock time
 * @param p50 median, milliseconds
 * @param p90 90th percentile, milliseconds
 * @param p99 99th percentile, milliseconds
 * @param max maximum, milliseconds
 * @param note a remark for the summary (errors, UNIMPLEMENTED, a target)
 */
record Latency(String name, long count, long errors, double seconds, double p50, double p90, double p99, double max,
        String note) {

    /** Histograms record nanoseconds up to a minute with three significant digits. */
    static Histogram newHistogram() {
        return new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
    }

    static Latency of(String name, Histogram nanos, long errors, double seconds, String note) {
        return new Latency(name, nanos.getTotalCount(), errors, seconds, ms(nanos.getValueAtPercentile(50)),
                ms(nanos.getValueAtPercentile(90)), ms(nanos.getValueAtPercentile(99)), ms(nanos.getMaxValue()), note);
    }

    static Latency skipped(String name, String note) {
        return new Latency(name, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, note);
    }

    double perSecond() {
        return seconds > 0 ? count / seconds : Double.NaN;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
