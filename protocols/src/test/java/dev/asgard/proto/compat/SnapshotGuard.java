package dev.asgard.proto.compat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Checks the current contract against the committed snapshot and, when asked to, records
 * additions in it. A breaking change is never recorded.
 */
final class SnapshotGuard {

    static final String SNAPSHOT_FILE_PROPERTY = "asgard.proto.snapshot-file";
    static final String UPDATE_PROPERTY = "asgard.proto.update-snapshot";
    static final String UPDATE_COMMAND = "./mvnw -pl protocols install -D" + UPDATE_PROPERTY + "=true";

    /** What the guard did. */
    enum Outcome {
        /** The snapshot matches the contract exactly. */
        UP_TO_DATE,
        /** Compatible, but the contract has additions the snapshot does not record yet. */
        ADDITIONS_NOT_RECORDED,
        /** The snapshot was created or rewritten with the additions. */
        WRITTEN
    }

    /** Result of a guard run: the outcome and the additions found. */
    record Result(Outcome outcome, List<String> additions) {
    }

    /** Thrown when the contract breaks the snapshot (or none exists and none may be written). */
    static final class ContractBrokenException extends RuntimeException {
        private final CompatibilityChecker.Report report;

        ContractBrokenException(String message, CompatibilityChecker.Report report) {
            super(message);
            this.report = report;
        }

        CompatibilityChecker.Report report() {
            return report;
        }
    }

    private SnapshotGuard() {
    }

    static Path snapshotFile() {
        return Path.of(System.getProperty(SNAPSHOT_FILE_PROPERTY, "src/test/resources/proto-snapshot.txt"))
                .toAbsolutePath().normalize();
    }

    static boolean updateRequested() {
        return Boolean.parseBoolean(System.getProperty(UPDATE_PROPERTY, "false"));
    }

    static Result check(Path snapshotFile, ContractSnapshot current, boolean update) {
        if (!Files.exists(snapshotFile)) {
            if (!update) {
                throw new ContractBrokenException("There is no contract snapshot at " + snapshotFile + ".\n"
                        + "Create it from the current proto files with\n  " + UPDATE_COMMAND + "\nand commit it.", null);
            }
            write(snapshotFile, current);
            return new Result(Outcome.WRITTEN, List.of("the whole contract (new snapshot)"));
        }
        ContractSnapshot published = ContractSnapshot.parse(read(snapshotFile));
        CompatibilityChecker.Report report = CompatibilityChecker.compare(published, current);
        if (!report.compatible()) {
            throw new ContractBrokenException(explain(report, snapshotFile, update), report);
        }
        String rendered = current.render();
        if (rendered.equals(read(snapshotFile))) {
            return new Result(Outcome.UP_TO_DATE, report.additions());
        }
        if (update) {
            write(snapshotFile, current);
            return new Result(Outcome.WRITTEN, report.additions());
        }
        return new Result(Outcome.ADDITIONS_NOT_RECORDED, report.additions());
    }

    static String explain(CompatibilityChecker.Report report, Path snapshotFile, boolean update) {
        List<CompatibilityChecker.Breakage> breakages = report.breakages();
        String list = IntStream.range(0, breakages.size())
                .mapToObj(i -> "  " + (i + 1) + ". " + breakages.get(i).describe())
                .collect(Collectors.joining("\n"));
        return "\n" + breakages.size() + " breaking change(s) to the published Asgard protobuf contracts (compared with "
                + snapshotFile + "):\n\n" + list + "\n\n"
                + "Services, devices and events already stored in Kafka and PostgreSQL use the published contract: "
                + "they would misread data, get UNIMPLEMENTED, or fail to compile against the new stubs.\n"
                + "How to proceed:\n"
                + "  - Undo the change; evolve the contract by adding instead: a new field with a new number, a new "
                + "enum value, a new RPC. Mark what is going away [deprecated = true]; when it is finally deleted, "
                + "reserve its number and name (reserved 7; reserved \"old_name\";).\n"
                + "  - A change that really has to break goes into a new package version (asgard.<area>.v2) next to v1, "
                + "with a migration plan for every service.\n"
                + (update ? "  - The snapshot was NOT updated: -D" + UPDATE_PROPERTY
                        + "=true records additions only, never breaking changes.\n"
                        : "  - -D" + UPDATE_PROPERTY + "=true does not help: it records additions only.\n")
                + "See protocols/README.md, 'Evolving the contracts'.";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, ContractSnapshot snapshot) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, snapshot.render(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
