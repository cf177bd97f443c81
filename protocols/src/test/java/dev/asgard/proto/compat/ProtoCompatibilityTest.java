package dev.asgard.proto.compat;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The compatibility guard of the build: the contracts compiled from src/main/proto must keep every
 * element of the committed snapshot (additions are fine). Run with
 * {@code -Dasgard.proto.update-snapshot=true} to record additions in the snapshot.
 */
class ProtoCompatibilityTest {

    @Test
    void compiledContractsKeepEveryPublishedElementOfTheSnapshot() {
        ContractSnapshot current = ContractSnapshot.of(ProtoSources.descriptors());
        Path snapshotFile = SnapshotGuard.snapshotFile();
        SnapshotGuard.Result result;
        try {
            result = SnapshotGuard.check(snapshotFile, current, SnapshotGuard.updateRequested());
        } catch (SnapshotGuard.ContractBrokenException e) {
            fail(e.getMessage());
            return;
        }
        switch (result.outcome()) {
            case UP_TO_DATE -> System.out.println("[proto-guard] contracts match " + snapshotFile);
            case WRITTEN -> System.out.println("[proto-guard] recorded in " + snapshotFile + " (commit it):\n  "
                    + String.join("\n  ", result.additions()));
            case ADDITIONS_NOT_RECORDED -> System.out.println("[proto-guard] compatible; " + result.additions().size()
                    + " addition(s) not yet in the snapshot, record them with\n  " + SnapshotGuard.UPDATE_COMMAND
                    + "\n  " + String.join("\n  ", result.additions()));
        }
    }
}
