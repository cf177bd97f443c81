package dev.asgard.backup.service;

import java.util.ArrayList;
import java.util.List;

import dev.asgard.backup.entity.BackupJob;

/** The {@code restic backup} flags of a job (never a secret: those go into restic's environment). */
final class BackupArgs {

    private BackupArgs() {
    }

    static List<String> of(BackupJob job) {
        List<String> a = new ArrayList<>();
        a.add("--tag");
        a.add(job.jobTag());
        for (String t : job.tags) {
            a.add("--tag");
            a.add(t);
        }
        if (!job.host.isEmpty()) {
            a.add("--host");
            a.add(job.host);
        }
        for (String e : job.excludes) {
            a.add("--exclude");
            a.add(e);
        }
        if (job.excludeCaches) {
            a.add("--exclude-caches");
        }
        for (String f : job.excludeIfPresent) {
            a.add("--exclude-if-present");
            a.add(f);
        }
        if (job.oneFileSystem) {
            a.add("--one-file-system");
        }
        if (job.excludeLargerThanBytes > 0) {
            a.add("--exclude-larger-than");
            a.add(Long.toString(job.excludeLargerThanBytes));
        }
        return a;
    }
}
