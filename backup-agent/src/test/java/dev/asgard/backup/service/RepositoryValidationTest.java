package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.asgard.backup.entity.BackupRepository.Backend;
import dev.asgard.commons.error.Validation;

/** URL, name, credential and option rules of repositories, per backend. */
class RepositoryValidationTest {

    @Test
    void acceptsTheUsualUrlsOfEachBackend() {
        Map<Backend, List<String>> good = Map.of(
                Backend.LOCAL, List.of("/srv/restic/main", "/mnt/usb disk/restic"),
                Backend.SFTP, List.of("sftp:backup@nas:/srv/restic", "sftp:nas:restic", "sftp://backup@nas:2222//srv/restic"),
                Backend.S3, List.of("s3:https://s3.example.net/bucket/path", "s3:s3.amazonaws.com/bucket",
                        "s3:http://127.0.0.1:9000/bucket"),
                Backend.REST, List.of("rest:https://restic.example.net:8000/main", "rest:http://10.0.0.5:8000/"),
                Backend.RCLONE, List.of("rclone:gdrive:backups/restic", "rclone:b2:bucket"));
        good.forEach((backend, urls) -> urls.forEach(url -> {
            Validation v = Validation.create();
            RepositoryValidation.url(v, backend, url);
            assertTrue(v.isValid(), backend + " " + url + ": " + v.violations());
        }));
    }

    @Test
    void rejectsWrongShapesAndPasswordsInUrls() {
        Map<Backend, List<String>> bad = Map.of(
                Backend.LOCAL, List.of("relative", "/srv/../etc", "s3:https://x/b"),
                Backend.SFTP, List.of("/srv/restic", "sftp:user:pw@nas:/srv"),
                Backend.S3, List.of("s3:https://key:secret@s3.example.net/bucket", "https://s3.example.net/bucket",
                        "s3:https://s3.example.net"),
                Backend.REST, List.of("rest:https://user:pw@host:8000/", "rest:ftp://host/", "http://host/"),
                Backend.RCLONE, List.of("rclone:", "gdrive:x"));
        bad.forEach((backend, urls) -> urls.forEach(url -> {
            Validation v = Validation.create();
            RepositoryValidation.url(v, backend, url);
            assertEquals(1, v.violations().size(), backend + " " + url);
        }));
        Validation v = Validation.create();
        RepositoryValidation.url(v, Backend.LOCAL, "/srv/\nx");
        assertEquals(1, v.violations().size());
    }

    @Test
    void namesBackendsSecretsOptions() {
        for (String ok : List.of("a", "nas-1", "x".repeat(63))) {
            Validation v = Validation.create();
            RepositoryValidation.name(v, ok);
            assertTrue(v.isValid(), ok);
        }
        for (String bad : List.of("", "-a", "a-", "A", "a_b", "x".repeat(64))) {
            Validation v = Validation.create();
            RepositoryValidation.name(v, bad);
            assertEquals(1, v.violations().size(), bad);
        }
        Validation v = Validation.create();
        assertEquals(Backend.SFTP, RepositoryValidation.backend(v, "SFTP"));
        assertNull(RepositoryValidation.backend(v, "ftp"));
        assertEquals(1, v.violations().size());

        Validation rest = Validation.create();
        RepositoryValidation.secrets(rest, Backend.REST, Map.of("RESTIC_REST_USERNAME", "u"));
        assertEquals(1, rest.violations().size());
        Validation reserved = Validation.create();
        RepositoryValidation.secrets(reserved, Backend.LOCAL, Map.of("RESTIC_PASSWORD_COMMAND", "cat /etc/shadow",
                "LD_PRELOAD", "/tmp/x.so", "RCLONE_CONFIG_GDRIVE_TOKEN", "t"));
        assertEquals(2, reserved.violations().size());
        Validation options = Validation.create();
        RepositoryValidation.options(options, Map.of("s3.region", "eu", "sftp.command", "ssh -p 2222 nas -s sftp",
                "bad", "x", "s3.storage-class", "a\nb"));
        assertEquals(2, options.violations().size(), options.violations().toString());
    }
}
