package dev.asgard.backup.mapping;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Timestamp;

import dev.asgard.backup.restic.ResticDiff;
import dev.asgard.backup.restic.ResticLock;
import dev.asgard.backup.restic.ResticNode;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.restic.ResticStats;
import dev.asgard.proto.backup.v1.DiffChange;
import dev.asgard.proto.backup.v1.DiffEntry;
import dev.asgard.proto.backup.v1.DiffStats;
import dev.asgard.proto.backup.v1.NodeType;
import dev.asgard.proto.backup.v1.PolicyDecision;
import dev.asgard.proto.backup.v1.RepositoryStats;
import dev.asgard.proto.backup.v1.Snapshot;
import dev.asgard.proto.backup.v1.SnapshotNode;
import dev.asgard.proto.backup.v1.StatsMode;
import dev.asgard.backup.service.RetentionService;

/** restic's snapshots, trees, diffs, locks and statistics to the {@code asgard.backup.v1} messages. */
@ApplicationScoped
public class SnapshotProtoMapper {

    /** @param repositoryId the repository @param s the snapshot @return the message */
    public Snapshot toProto(String repositoryId, ResticSnapshot s) {
        Snapshot.Builder b = Snapshot.newBuilder().setSnapshotId(s.id()).setShortId(nz(s.shortId()))
                .setRepositoryId(repositoryId).setHostname(nz(s.hostname())).setUsername(nz(s.username()))
                .addAllPaths(s.paths()).addAllTags(s.tags()).setParentId(nz(s.parent())).setTreeId(nz(s.tree()))
                .setJobId(SnapshotMapper.jobId(s.tags()));
        if (s.time() != null) {
            b.setTime(timestamp(s.time()));
        }
        return b.build();
    }

    /** @param n the node @return the message */
    public SnapshotNode toProto(ResticNode n) {
        SnapshotNode.Builder b = SnapshotNode.newBuilder().setName(nz(n.name())).setPath(nz(n.path()))
                .setType(nodeType(n.type())).setSize(n.size()).setMode(n.mode()).setUid((int) n.uid())
                .setGid((int) n.gid()).setUser(nz(n.user())).setGroup(nz(n.group()))
                .setLinkTarget(nz(n.linkTarget()));
        if (n.mtime() != null) {
            b.setModifyTime(timestamp(n.mtime()));
        }
        if (n.atime() != null) {
            b.setAccessTime(timestamp(n.atime()));
        }
        if (n.ctime() != null) {
            b.setChangeTime(timestamp(n.ctime()));
        }
        return b.build();
    }

    static NodeType nodeType(String type) {
        return switch (type) {
            case "file" -> NodeType.NODE_TYPE_FILE;
            case "dir" -> NodeType.NODE_TYPE_DIRECTORY;
            case "symlink" -> NodeType.NODE_TYPE_SYMLINK;
            case "dev" -> NodeType.NODE_TYPE_DEVICE;
            case "chardev" -> NodeType.NODE_TYPE_CHAR_DEVICE;
            case "fifo" -> NodeType.NODE_TYPE_FIFO;
            case "socket" -> NodeType.NODE_TYPE_SOCKET;
            default -> NodeType.NODE_TYPE_UNSPECIFIED;
        };
    }

    /** @param c a change @return the message */
    public DiffEntry toProto(ResticDiff.Change c) {
        DiffChange change = switch (SnapshotMapper.change(c.modifier())) {
            case "added" -> DiffChange.DIFF_CHANGE_ADDED;
            case "removed" -> DiffChange.DIFF_CHANGE_REMOVED;
            case "modified" -> DiffChange.DIFF_CHANGE_MODIFIED;
            case "type_changed" -> DiffChange.DIFF_CHANGE_TYPE_CHANGED;
            case "metadata_changed" -> DiffChange.DIFF_CHANGE_METADATA_CHANGED;
            default -> DiffChange.DIFF_CHANGE_UNSPECIFIED;
        };
        return DiffEntry.newBuilder().setPath(c.path()).setChange(change).build();
    }

    /** @param s totals @return the message */
    public DiffStats toProto(ResticDiff.Stats s) {
        return DiffStats.newBuilder().setChangedFiles(s.changedFiles()).setFilesAdded(s.filesAdded())
                .setFilesRemoved(s.filesRemoved()).setDirsAdded(s.dirsAdded()).setDirsRemoved(s.dirsRemoved())
                .setBytesAdded(s.bytesAdded()).setBytesRemoved(s.bytesRemoved()).build();
    }

    /** @param repositoryId the repository @param d a decision @return the message */
    public PolicyDecision toProto(String repositoryId, RetentionService.Decision d) {
        return PolicyDecision.newBuilder().setSnapshot(toProto(repositoryId, d.snapshot())).setKeep(d.keep())
                .addAllReasons(d.reasons()).build();
    }

    /** @param l a lock that stayed after unlock @return the message (not stale: unlock removed the stale ones) */
    public dev.asgard.proto.backup.v1.ResticLock toProto(ResticLock l) {
        var b = dev.asgard.proto.backup.v1.ResticLock.newBuilder().setLockId(l.id()).setHostname(nz(l.hostname()))
                .setUsername(nz(l.username())).setPid(l.pid()).setExclusive(l.exclusive()).setStale(false);
        if (l.time() != null) {
            b.setCreateTime(timestamp(l.time()));
        }
        return b.build();
    }

    /** @param repositoryId the repository @param mode restic's mode @param s the numbers @return the message */
    public RepositoryStats toProto(String repositoryId, String mode, ResticStats s) {
        return RepositoryStats.newBuilder().setRepositoryId(repositoryId).setMode(statsMode(mode))
                .setTotalSizeBytes(s.totalSize()).setTotalFileCount(s.totalFileCount())
                .setSnapshotCount(s.snapshotsCount()).setTotalUncompressedSizeBytes(s.totalUncompressedSize())
                .setCompressionRatio(s.compressionRatio()).setBlobCount(s.totalBlobCount()).build();
    }

    /** @param mode the proto mode @return restic's name (unspecified: restore-size) */
    public static String resticMode(StatsMode mode) {
        return switch (mode) {
            case STATS_MODE_FILES_BY_CONTENTS -> "files-by-contents";
            case STATS_MODE_RAW_DATA -> "raw-data";
            case STATS_MODE_BLOBS_PER_FILE -> "blobs-per-file";
            default -> "restore-size";
        };
    }

    static StatsMode statsMode(String mode) {
        return switch (mode) {
            case "files-by-contents" -> StatsMode.STATS_MODE_FILES_BY_CONTENTS;
            case "raw-data" -> StatsMode.STATS_MODE_RAW_DATA;
            case "blobs-per-file" -> StatsMode.STATS_MODE_BLOBS_PER_FILE;
            default -> StatsMode.STATS_MODE_RESTORE_SIZE;
        };
    }

    private static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
