package dev.asgard.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The files a backup benchmark backs up: {@code files} files of incompressible pseudo-random bytes, {@code bytes}
 * in total, in two levels of folders ({@code d00/d00/f00000.bin} …), sizes spread log-uniformly over three orders
 * of magnitude. Everything follows from the seed, so two runs back up the same bytes. A marker file records the
 * parameters; a folder whose marker matches is reused as it is, anything else is deleted and generated again.
 */
final class BackupDataSet {

    private static final String MARKER = ".asgard-bench-dataset";
    /** Bumped when the generation changes, so an old data set is not mistaken for a new one. */
    private static final int FORMAT = 1;
    private static final int FOLDERS = 10;

    private BackupDataSet() {
    }

    /**
     * @param dir where the data set lives
     * @param files how many files
     * @param bytes their total size
     * @param seed the seed of sizes and contents
     * @return whether it was generated now (false: reused)
     */
    static boolean ensure(Path dir, int files, long bytes, long seed) throws IOException {
        String marker = "format=%d files=%d bytes=%d seed=%d%n".formatted(FORMAT, files, bytes, seed);
        Path markerFile = dir.resolve(MARKER);
        if (Files.isRegularFile(markerFile) && Files.readString(markerFile).equals(marker)) {
            return false;
        }
        delete(dir);
        Files.createDirectories(dir);
        long[] sizes = sizes(files, bytes, seed);
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < files; i++) {
            Path file = dir.resolve("d%02d/d%02d/f%05d.bin".formatted(i % FOLDERS, (i / FOLDERS) % FOLDERS, i));
            Files.createDirectories(file.getParent());
            // Each file has its own stream, so its content does not depend on the others' sizes.
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
            try (OutputStream out = Files.newOutputStream(file)) {
                for (long left = sizes[i]; left > 0; ) {
                    int n = (int) Math.min(left, chunk.length);
                    fill(random, chunk, n);
                    out.write(chunk, 0, n);
                    left -= n;
                }
            }
        }
        // Written last: an interrupted generation has no marker and starts over next time.
        Files.writeString(markerFile, marker);
        return true;
    }

    /** Log-uniform sizes between 1 and 1000 units, scaled to the total exactly (the rest goes to the last file). */
    static long[] sizes(int files, long bytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] weights = new double[files];
        double sum = 0;
        for (int i = 0; i < files; i++) {
            weights[i] = Math.exp(random.nextDouble() * Math.log(1000));
            sum += weights[i];
        }
        long[] sizes = new long[files];
        long assigned = 0;
        for (int i = 0; i < files; i++) {
            sizes[i] = (long) Math.floor(weights[i] / sum * bytes);
            assigned += sizes[i];
        }
        sizes[files - 1] += bytes - assigned;
        return sizes;
    }

    private static void fill(SplittableRandom random, byte[] chunk, int n) {
        ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, n).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.remaining() >= Long.BYTES) {
            buffer.putLong(random.nextLong());
        }
        while (buffer.hasRemaining()) {
            buffer.put((byte) random.nextInt());
        }
    }

    /** Reads every file once, so the backups that follow find them in the page cache. */
    static long warm(Path dir) throws IOException {
        long total = 0;
        byte[] buffer = new byte[1 << 20];
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                try (var in = Files.newInputStream(p)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        total += n;
                    }
                }
            }
        }
        return total;
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
