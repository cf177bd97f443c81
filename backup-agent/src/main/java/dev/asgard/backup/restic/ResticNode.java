package dev.asgard.backup.restic;

import java.time.Instant;

/**
 * One entry of {@code restic ls --json} (a "node").
 *
 * @param name last path segment
 * @param path absolute path inside the snapshot
 * @param type file, dir, symlink, dev, chardev, fifo, socket (as restic names them)
 * @param size size in bytes (files)
 * @param mode Unix permission bits including setuid/setgid/sticky (converted from Go's file mode)
 * @param mtime modification time, or null
 * @param atime access time, or null
 * @param ctime change time, or null
 * @param uid owner uid
 * @param gid owner gid
 * @param user owner name, or null
 * @param group group name, or null
 * @param linkTarget symlink target, or null (not every restic version prints it)
 */
public record ResticNode(String name, String path, String type, long size, int mode, Instant mtime, Instant atime,
        Instant ctime, long uid, long gid, String user, String group, String linkTarget) {

    /** @return the folder holding this entry ("/" for top-level entries) */
    public String parent() {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }
}
