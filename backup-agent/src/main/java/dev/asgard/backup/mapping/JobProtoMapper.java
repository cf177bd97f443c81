package dev.asgard.backup.mapping;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Duration;

import dev.asgard.backup.domain.MissedRunPolicy;
import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.rest.dto.JobRequest;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.backup.v1.FileSource;
import dev.asgard.proto.backup.v1.Job;
import dev.asgard.proto.backup.v1.JobType;
import dev.asgard.proto.backup.v1.MissedRunMode;
import dev.asgard.proto.backup.v1.PgDumpFormat;
import dev.asgard.proto.backup.v1.PgDumpSource;
import dev.asgard.proto.backup.v1.MissedRunPolicy.Builder;
import dev.asgard.proto.backup.v1.RetentionPolicy;
import dev.asgard.proto.backup.v1.RetryPolicy;
import dev.asgard.proto.backup.v1.Schedule;

/**
 * Jobs between the entity, the proto {@link Job} and the request the service validates, so gRPC and REST share
 * one set of rules (field names in violations are the REST names: {@code schedule.cron}, {@code paths[0]}).
 */
@ApplicationScoped
public class JobProtoMapper {

    /**
     * @param j the entity
     * @return the proto job
     */
    public Job toProto(BackupJob j) {
        Job.Builder b = Job.newBuilder().setJobId(j.id.toString()).setName(j.name).setDescription(j.description)
                .setRepositoryId(j.repositoryId.toString());
        if (j.isPgDump()) {
            PgDumpSource.Builder p = PgDumpSource.newBuilder().setHost(j.pgHost).setPort(j.pgPort)
                    .setDatabase(j.pgDatabase).setUsername(j.pgUsername)
                    .setPasswordSet(j.pgPasswordCiphertext != null)
                    .setFormat("plain".equals(j.pgFormat) ? PgDumpFormat.PG_DUMP_FORMAT_PLAIN
                            : PgDumpFormat.PG_DUMP_FORMAT_CUSTOM)
                    .addAllSchemas(List.of(j.pgSchemas)).addAllExcludeTables(List.of(j.pgExcludeTables))
                    .setStdinFilename(j.pgDumpFilename());
            if (j.pgSslMode != null) {
                p.setSslMode(j.pgSslMode);
            }
            b.setType(JobType.JOB_TYPE_PG_DUMP).setPgDump(p);
        } else {
            b.setType(JobType.JOB_TYPE_FILES).setFiles(FileSource.newBuilder().addAllPaths(List.of(j.paths))
                    .addAllExcludes(List.of(j.excludes)).setExcludeCaches(j.excludeCaches)
                    .addAllExcludeIfPresent(List.of(j.excludeIfPresent)).setOneFileSystem(j.oneFileSystem)
                    .setExcludeLargerThanBytes(j.excludeLargerThanBytes));
        }
        b.addAllTags(List.of(j.tags)).setHost(j.host).setEnabled(j.enabled).setAgentId(j.agentId == null ? "" : j.agentId)
                .setRunHistoryLimit(j.runHistoryLimit).setRevision(j.revision)
                .setCreateTime(RunMapper.timestamp(j.createdAt)).setUpdateTime(RunMapper.timestamp(j.updatedAt));
        Schedule.Builder schedule = null;
        if (j.scheduleCron != null) {
            schedule = Schedule.newBuilder().setCron(j.scheduleCron).setTimeZone(j.timeZone);
        } else if (j.scheduleIntervalMs != null) {
            schedule = Schedule.newBuilder().setInterval(RunMapper.millis(j.scheduleIntervalMs))
                    .setTimeZone(j.timeZone);
        }
        if (schedule != null) {
            if (j.scheduleJitterMs > 0) {
                schedule.setJitter(RunMapper.millis(j.scheduleJitterMs));
            }
            b.setSchedule(schedule);
        }
        if (j.retentionSet) {
            RetentionPolicy.Builder r = RetentionPolicy.newBuilder().setKeepLast(j.keepLast)
                    .setKeepHourly(j.keepHourly).setKeepDaily(j.keepDaily).setKeepWeekly(j.keepWeekly)
                    .setKeepMonthly(j.keepMonthly).setKeepYearly(j.keepYearly).addAllKeepTags(List.of(j.keepTags))
                    .setPrune(j.prune);
            if (j.keepWithinMs > 0) {
                r.setKeepWithin(RunMapper.millis(j.keepWithinMs));
            }
            b.setRetentionPolicy(r);
        }
        Builder m = dev.asgard.proto.backup.v1.MissedRunPolicy.newBuilder()
                .setMode(MissedRunMode.valueOf("MISSED_RUN_MODE_" + MissedRunPolicy.Mode.fromWire(j.missedRunMode).name()))
                .setGracePeriod(RunMapper.millis(j.missedRunGraceMs)).setMaxCatchUpRuns(j.maxCatchUpRuns);
        b.setMissedRunPolicy(m);
        b.setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(j.retryMaxAttempts)
                .setInitialDelay(RunMapper.millis(j.retryInitialDelayMs)).setMultiplier(j.retryMultiplier)
                .setMaxDelay(RunMapper.millis(j.retryMaxDelayMs)));
        if (j.runTimeoutMs != null) {
            b.setRunTimeout(RunMapper.millis(j.runTimeoutMs));
        }
        if (j.nextRunAt != null) {
            b.setNextRunTime(RunMapper.timestamp(j.nextRunAt));
        }
        if (j.lastRunId != null) {
            b.setLastRunId(j.lastRunId.toString());
        }
        if (j.lastSuccessAt != null) {
            b.setLastSuccessTime(RunMapper.timestamp(j.lastSuccessAt));
        }
        return b.build();
    }

    /**
     * @param job a proto job (output-only fields ignored)
     * @return the request the service validates
         */
    public JobRequest toRequest(Job job) {
        JobRequest.PgDumpSpec pg = null;
        if (job.hasPgDump()) {
            PgDumpSource p = job.getPgDump();
            pg = new JobRequest.PgDumpSpec(p.getHost(), p.getPort() == 0 ? null : p.getPort(), p.getDatabase(),
                    p.getUsername(), p.getPassword().isEmpty() ? null : p.getPassword(),
                    p.getFormat() == PgDumpFormat.PG_DUMP_FORMAT_PLAIN ? "plain" : "custom", p.getSchemasList(),
                    p.getExcludeTablesList(), p.getStdinFilename(), p.getSslMode(), null);
        }
        FileSource f = job.getFiles();
        JobRequest.ScheduleSpec schedule = null;
        if (job.hasSchedule()) {
            Schedule s = job.getSchedule();
            schedule = new JobRequest.ScheduleSpec(s.hasCron() || s.getSpecCase() == Schedule.SpecCase.CRON
                    ? s.getCron() : null, s.hasInterval() ? iso(s.getInterval()) : null, s.getTimeZone(),
                    s.hasJitter() ? iso(s.getJitter()) : null);
        }
        JobRequest.RetentionSpec retention = null;
        if (job.hasRetentionPolicy()) {
            RetentionPolicy r = job.getRetentionPolicy();
            retention = new JobRequest.RetentionSpec(r.getKeepLast(), r.getKeepHourly(), r.getKeepDaily(),
                    r.getKeepWeekly(), r.getKeepMonthly(), r.getKeepYearly(),
                    r.hasKeepWithin() ? iso(r.getKeepWithin()) : null, r.getKeepTagsList(), r.getPrune());
        }
        JobRequest.MissedRunSpec missed = null;
        if (job.hasMissedRunPolicy()) {
            dev.asgard.proto.backup.v1.MissedRunPolicy m = job.getMissedRunPolicy();
            String mode = switch (m.getMode()) {
                case MISSED_RUN_MODE_SKIP -> "skip";
                case MISSED_RUN_MODE_RUN_ALL -> "run-all";
                case MISSED_RUN_MODE_UNSPECIFIED, MISSED_RUN_MODE_RUN_ONCE -> "run-once";
                default -> "unrecognized";
            };
            missed = new JobRequest.MissedRunSpec(mode, m.hasGracePeriod() ? iso(m.getGracePeriod()) : null,
                    m.getMaxCatchUpRuns() == 0 ? null : m.getMaxCatchUpRuns());
        }
        JobRequest.RetrySpec retry = null;
        if (job.hasRetryPolicy()) {
            RetryPolicy r = job.getRetryPolicy();
            retry = new JobRequest.RetrySpec(r.getMaxAttempts() == 0 ? null : r.getMaxAttempts(),
                    r.hasInitialDelay() ? iso(r.getInitialDelay()) : null,
                    r.getMultiplier() == 0 ? null : r.getMultiplier(), r.hasMaxDelay() ? iso(r.getMaxDelay()) : null);
        }
        return new JobRequest(job.getName(), job.getDescription(), job.getRepositoryId(), f.getPathsList(),
                f.getExcludesList(), f.getExcludeCaches(), f.getExcludeIfPresentList(), f.getOneFileSystem(),
                f.getExcludeLargerThanBytes(), job.getTagsList(), job.getHost(), schedule, retention, missed, retry,
                job.getRunHistoryLimit() == 0 ? null : job.getRunHistoryLimit(),
                job.hasRunTimeout() ? iso(job.getRunTimeout()) : null, job.getEnabled(), pg,
                job.getAgentId().isEmpty() ? null : job.getAgentId());
    }

    private static String iso(Duration d) {
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos()).toString();
    }
}
