package dev.asgard.backup.rest.dto;

import java.time.Instant;

/**
 * One entry of a snapshot's tree.
 *
 * @param name last path segment
 * @param path absolute path inside the snapshot
 * @param type file, dir, symlink, dev, chardev, fifo or socket
 * @param size size in bytes (files)
 * @param mode Unix permission bits as octal text, such as "0644" or "4755"
 * @param modifyTime last modification
 * @param accessTime last access
 * @param changeTime last status change
 * @param uid owner uid
 * @param gid owner gid
 * @param user owner name, when recorded
 * @param group group name, when recorded
 * @param linkTarget symlink target, when recorded
 */
public record SnapshotNodeView(String name, String path, String type, long size, String mode, Instant modifyTime,
        Instant accessTime, Instant changeTime, long uid, long gid, String user, String group, String linkTarget) {
}
