package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * Body of {@code POST /api/v1/repositories/{id}/restore}: what to restore from which snapshot, and where to.
 *
 * @param snapshotId the snapshot (full id or short id)
 * @param targetPath absolute folder on the agent, under one of its allowed restore roots
 * @param includePaths only these paths of the snapshot; empty or absent for the whole snapshot
 * @param excludePaths paths or patterns left out
 * @param overwrite whether to write into a non-empty target (existing files are overwritten); default false
 * @param verify whether to verify the restored files against the snapshot afterwards; default false
 */
public record RestoreRequest(String snapshotId, String targetPath, List<String> includePaths,
        List<String> excludePaths, Boolean overwrite, Boolean verify) {
}
