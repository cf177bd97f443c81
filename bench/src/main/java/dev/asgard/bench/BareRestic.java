package dev.asgard.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * restic run the way backup-agent runs it (its {@code ResticRunner}, {@code Restic.backup} and {@code BackupArgs}),
 * but straight from the bench: the same binary, the same flags ({@code backup --json --tag asgard-job=<id> --
 * <paths>}), the password and repository in the environment only, the environment cleared except {@code PATH},
 * {@code HOME}, {@code TMPDIR}, {@code LANG}, {@code TZ}, {@code XDG_CACHE_HOME}, and the same cache folder
 * ({@code RESTIC_CACHE_DIR}). Its standard output is read line by line as the agent reads it, and standard input is
 * empty. Nothing of the agent is involved, so the difference to a run through the agent is the agent's own cost.
 */
final class BareRestic {

    private static final List<String> INHERITED = List.of("PATH", "HOME", "TMPDIR", "LANG", "TZ", "XDG_CACHE_HOME");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String binary;
    private final Path cacheDir;

    BareRestic(String binary, Path cacheDir) {
        this.binary = binary;
        this.cacheDir = cacheDir;
    }

    /**
     * What a backup took.
     *
     * @param wallNanos process start to exit, as the bench saw it
     * @param resticSeconds restic's own {@code total_duration} from its summary line
     * @param statusLines JSON status lines restic printed
     * @param filesProcessed {@code total_files_processed} of the summary
     * @param bytesProcessed {@code total_bytes_processed} of the summary
     */
    record Backup(long wallNanos, double resticSeconds, long statusLines, long filesProcessed, long bytesProcessed) {
    }

    /** {@code restic init} (not measured). */
    void init(Path repository, String password) throws IOException, InterruptedException {
        Result r = run(repository, password, List.of("init", "--json"));
        if (r.exit != 0) {
            throw new IllegalStateException("restic init of " + repository + " failed (" + r.exit + "): " + r.stderr);
        }
    }

    /**
     * {@code restic backup --json --tag asgard-job=<jobId> -- <paths>}, measured from process start to exit.
     */
    Backup backup(Path repository, String password, String jobId, List<Path> paths)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("backup", "--json", "--tag", "asgard-job=" + jobId, "--"));
        paths.forEach(p -> args.add(p.toString()));
        long begin = System.nanoTime();
        Result r = run(repository, password, args);
        long wall = System.nanoTime() - begin;
        if (r.exit != 0 || r.summary == null) {
            throw new IllegalStateException("restic backup failed (" + r.exit + "): " + r.stderr);
        }
        return new Backup(wall, r.summary.path("total_duration").asDouble(), r.statusLines,
                r.summary.path("total_files_processed").asLong(), r.summary.path("total_bytes_processed").asLong());
    }

    /** @return the locks in the repository ({@code restic list locks --no-lock}) */
    List<String> locks(Path repository, String password) throws IOException, InterruptedException {
        Result r = run(repository, password, List.of("list", "locks", "--no-lock"));
        if (r.exit != 0) {
            throw new IllegalStateException("restic list locks failed (" + r.exit + "): " + r.stderr);
        }
        return r.lines;
    }

    private record Result(int exit, JsonNode summary, long statusLines, List<String> lines, String stderr) {
    }

    private Result run(Path repository, String password, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        environment(pb.environment(), repository, password);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process process = pb.start();
        StringBuilder stderr = new StringBuilder();
        Thread errors = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (stderr.length() < 8192) {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // The process ended; what was read is enough.
            }
        });
        JsonNode summary = null;
        long status = 0;
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                // Like the agent: every line is parsed as JSON (status lines dominate).
                if (line.startsWith("{")) {
                    JsonNode node = JSON.readTree(line);
                    String type = node.path("message_type").asText();
                    if ("status".equals(type)) {
                        status++;
                    } else if ("summary".equals(type)) {
                        summary = node;
                    }
                } else if (!line.isBlank()) {
                    lines.add(line.trim());
                }
            }
        }
        int exit = process.waitFor();
        errors.join();
        return new Result(exit, summary, status, lines, stderr.toString().trim());
    }

    private void environment(Map<String, String> env, Path repository, String password) {
        Map<String, String> kept = new TreeMap<>();
        for (String name : INHERITED) {
            String value = env.get(name);
            if (value != null) {
                kept.put(name, value);
            }
        }
        env.clear();
        env.putAll(kept);
        env.put("RESTIC_CACHE_DIR", cacheDir.toString());
        env.put("RESTIC_REPOSITORY", repository.toString());
        env.put("RESTIC_PASSWORD", password);
        // The agent's default for backups (asgard.backup.restic.backup-progress-fps): the same status rate both ways.
        env.put("RESTIC_PROGRESS_FPS", "4.0");
    }
}
