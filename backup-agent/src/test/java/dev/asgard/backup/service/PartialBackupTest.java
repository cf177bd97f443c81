package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.asgard.backup.restic.BackupMessage;
import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticExecution;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;
import dev.asgard.backup.restic.ResticRunner;

/**
 * A backup in which restic cannot read some files ends PARTIAL with those files listed, from the real restic's exit
 * code 3 and its JSON error lines. The tests run as root, which reads any file; so restic runs here through
 * {@code setpriv} without the capabilities that let root ignore file permissions, and a file of mode 000 is then
 * unreadable to it, as it would be to an agent running as an ordinary user.
 */
class PartialBackupTest {

    @TempDir
    Path tmp;

    @Test
    void unreadableFilesMakeAPartialBackupThatListsThem() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is needed");
        Path wrapper = tmp.resolve("restic-without-dac-override");
        Files.writeString(wrapper, "#!/bin/sh\nexec /usr/bin/setpriv --bounding-set -dac_override,-dac_read_search"
                + " --inh-caps -dac_override,-dac_read_search -- restic \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        Restic restic = new Restic(new ResticRunner(wrapper.toString(), Duration.ofMinutes(2), Duration.ofSeconds(10),
                tmp.resolve("cache")));
        ResticRepo repo = ResticRepo.of(tmp.resolve("repo").toString(), "partial-test-password");
        restic.init(repo).orThrow();

        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("readable.txt"), "readable");
        Path locked = data.resolve("locked.txt");
        Files.writeString(locked, "nobody may read this");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));

        List<String> unreadable = Collections.synchronizedList(new ArrayList<>());
        BackupMessage.Summary[] summary = new BackupMessage.Summary[1];
        ResticExecution backup = restic.backup(repo, List.of(data.toString()), List.of(), m -> {
            if (m instanceof BackupMessage.Error e && e.item() != null) {
                unreadable.add(e.item());
            } else if (m instanceof BackupMessage.Summary s) {
                summary[0] = s;
            }
        }, null);
        ResticResult result = backup.await();

        assertEquals(3, result.exitCode(), "restic: snapshot created, some files could not be read");
        assertNotNull(summary[0], "restic still wrote a snapshot");
        assertTrue(unreadable.contains(locked.toString()), unreadable + ", stderr: " + result.stderr());
        RunService.Finish finish = RunOutcomes.of(result, new RunOutcomes.Observed(null, summary[0],
                List.copyOf(unreadable), false, false), repo, List.of());
        assertEquals("PARTIAL", finish.state(), finish.toString());
        assertEquals(List.of(locked.toString()), finish.unreadable());
        assertEquals(summary[0].snapshotId(), finish.summary().snapshotId());
    }
}
