package dev.asgard.backup.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Classification of restic failures from real restic 0.14 (and 0.17 exit codes) messages. */
class ResticFailureTest {

    @Test
    void classifiesMessages() {
        assertEquals(ResticOutcome.SUCCESS, ResticFailure.classify(0, ""));
        assertEquals(ResticOutcome.PARTIAL, ResticFailure.classify(3, "error: open /x: permission denied"));
        assertEquals(ResticOutcome.WRONG_PASSWORD,
                ResticFailure.classify(1, "Fatal: wrong password or no key found\n"));
        assertEquals(ResticOutcome.WRONG_PASSWORD, ResticFailure.classify(12, ""));
        assertEquals(ResticOutcome.REPOSITORY_NOT_FOUND, ResticFailure.classify(1,
                "Fatal: unable to open config file: stat nope/config: no such file or directory\n"
                        + "Is there a repository at the following location?\nnope\n"));
        assertEquals(ResticOutcome.REPOSITORY_NOT_FOUND, ResticFailure.classify(10, ""));
        assertEquals(ResticOutcome.SOURCE_MISSING, ResticFailure.classify(1,
                "src/missing does not exist, skipping\nFatal: all target directories/files do not exist\n"));
        assertEquals(ResticOutcome.BACKEND_UNREACHABLE, ResticFailure.classify(1,
                "Fatal: unable to open config file: client.Head: Head \"http://127.0.0.1:1/config\": dial tcp "
                        + "127.0.0.1:1: connect: connection refused\nIs there a repository at the following location?"));
        assertEquals(ResticOutcome.BACKEND_UNREACHABLE, ResticFailure.classify(1,
                "Fatal: unable to open repository at sftp:nobody@127.0.0.1:/x: unable to start the sftp session, error: EOF"));
        assertEquals(ResticOutcome.ALREADY_INITIALIZED, ResticFailure.classify(1,
                "Fatal: create key in repository at repo failed: repository master key and config already initialized"));
        assertEquals(ResticOutcome.FAILED, ResticFailure.classify(1, "Fatal: something new"));
        assertTrue(ResticOutcome.BACKEND_UNREACHABLE.isTransient());
        assertTrue(ResticOutcome.LOCKED.isTransient());
        assertFalse(ResticOutcome.WRONG_PASSWORD.isTransient());
        assertFalse(ResticOutcome.SOURCE_MISSING.isTransient());
    }

    @Test
    void namesTheLockHolder() {
        String err = """
                create exclusive lock for repository
                unable to create lock in backend: repository is already locked by PID 30586 on vm by root (UID 0, GID 0)
                lock was created at 2026-11-22 05:20:53 (1.520340425s ago)
                storage ID 08e93abf
                the `unlock` command can be used to remove stale locks
                """;
        assertEquals(ResticOutcome.LOCKED, ResticFailure.classify(1, err));
        ResticLockHolder h = ResticFailure.lockHolder(err).orElseThrow();
        assertEquals(30586, h.pid());
        assertEquals("vm", h.hostname());
        assertEquals("root", h.username());
        assertFalse(h.exclusive());
        assertTrue(ResticFailure.hint(ResticOutcome.LOCKED, err).contains("PID 30586 on vm"));
        assertTrue(ResticFailure.lockHolder("repository is already locked exclusively by PID 7 on nas by backup")
                .orElseThrow().exclusive());
        assertEquals("Fatal: wrong password or no key found",
                ResticFailure.message("noise\nFatal: wrong password or no key found\n"));
    }
}
