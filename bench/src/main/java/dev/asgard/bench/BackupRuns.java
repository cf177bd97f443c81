package dev.asgard.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The two halves of a pair of {@code backup overhead}: one backup of the data set into a fresh repository, through
 * the agent or by bare restic. The repository's creation and initialisation are not measured; the repository and
 * restic's cache are deleted afterwards, so every backup is a full one.
 */
final class BackupRuns {

    private final BackupAgentApi api;
    private final BareRestic bare;
    private final BackupPlatform platform;
    private final Path repos;
    private final Path cacheDir;
    private final Path data;
    private final String password;

    BackupRuns(BackupAgentApi api, BareRestic bare, BackupPlatform platform, Path repos, Path cacheDir, Path data,
            String password) {
        this.api = api;
        this.bare = bare;
        this.platform = platform;
        this.repos = repos;
        this.cacheDir = cacheDir;
        this.data = data;
        this.password = password;
    }

    /**
     * @param wallNanos POST of the run to the terminal state seen over SSE
     * @param resticSeconds the run summary's duration (restic's own {@code total_duration})
     * @param postMillis POST to its 202 answer
     * @param queuedToStartedMillis the run's queue time to its start time (the agent's clock)
     * @param startedToEndedMillis the run's start time to its end time
     * @param endedToSeenMillis the run's end time to the bench seeing it
     * @param events SSE events received
     * @param agentCpuSeconds CPU time of the agent JVM (not its restic) during the run
     * @param resticCpuSeconds CPU time of the agent's restic (the agent JVM's reaped children)
     */
    record Agent(long wallNanos, double resticSeconds, double postMillis, double queuedToStartedMillis,
            double startedToEndedMillis, double endedToSeenMillis, int events, double agentCpuSeconds,
            double resticCpuSeconds) {
    }

    /**
     * @param backup what restic reported
     * @param cpuSeconds CPU time of the restic process (the bench's reaped children)
     */
    record Bare(BareRestic.Backup backup, double cpuSeconds) {

        long wallNanos() {
            return backup.wallNanos();
        }

        double resticSeconds() {
            return backup.resticSeconds();
        }
    }

    Agent agent(String label) throws Exception {
        String name = "bench-agent-" + label;
        Path repoDir = repos.resolve(name);
        String repo = api.localRepository(name, repoDir.toString(), password);
        String job = api.job(name, repo, List.of(data.toString()));
        double cpuBefore = agentCpu();
        double childrenBefore = ChildCpu.of(platform.agentProcess().pid());
        long begin = System.nanoTime();
        Instant postAt = Instant.now();
        JsonNode run = api.startRun(job);
        double postMillis = (System.nanoTime() - begin) / 1e6;
        String runId = run.path("id").asText();
        BackupAgentApi.Event end;
        int events = 0;
        try (BackupAgentApi.Watch watch = api.watch(runId)) {
            end = watch.await(e -> BackupAgentApi.TERMINAL.contains(e.state()), Duration.ofHours(1));
            events = watch.received.get();
        }
        long wall = end.nanos() - begin;
        Instant seenAt = postAt.plusNanos(wall);
        double cpu = agentCpu() - cpuBefore;
        double resticCpu = ChildCpu.of(platform.agentProcess().pid()) - childrenBefore;
        JsonNode view = end.run();
        if (!"SUCCEEDED".equals(end.state())) {
            throw new IllegalStateException("agent run " + runId + " ended " + end.state() + ": " + view.path("failure"));
        }
        Instant queued = Instant.parse(view.path("queueTime").asText());
        Instant started = Instant.parse(view.path("startTime").asText());
        Instant ended = Instant.parse(view.path("endTime").asText());
        api.deleteJob(job);
        api.deleteRepository(repo);
        clean(repoDir);
        return new Agent(wall, view.path("summary").path("durationMillis").asLong() / 1000.0, postMillis,
                millis(queued, started), millis(started, ended), millis(ended, seenAt), events, cpu, resticCpu);
    }

    Bare bare(String label) throws Exception {
        Path repoDir = repos.resolve("bench-bare-" + label);
        bare.init(repoDir, password);
        double childrenBefore = ChildCpu.of(ProcessHandle.current().pid());
        // The same tag shape as the agent's: asgard-job=<a UUID>.
        BareRestic.Backup b = bare.backup(repoDir, password, UUID.randomUUID().toString(), List.of(data));
        double cpu = ChildCpu.of(ProcessHandle.current().pid()) - childrenBefore;
        clean(repoDir);
        return new Bare(b, cpu);
    }

    /** @return cores the agent JVM uses while no run is going (its background work) */
    double idleAgentCpu(Duration over) throws InterruptedException {
        double before = agentCpu();
        long begin = System.nanoTime();
        Thread.sleep(over);
        return (agentCpu() - before) / ((System.nanoTime() - begin) / 1e9);
    }

    private double agentCpu() {
        return platform.agentProcess().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private void clean(Path repoDir) throws IOException {
        BackupDataSet.delete(repoDir);
        BackupDataSet.delete(cacheDir);
    }

    private static double millis(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }
}
