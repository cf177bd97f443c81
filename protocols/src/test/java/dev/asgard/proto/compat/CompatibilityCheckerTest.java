package dev.asgard.proto.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;

import dev.asgard.proto.compat.CompatibilityChecker.Kind;
import dev.asgard.proto.compat.CompatibilityChecker.Report;

/**
 * Tests the guard's logic on variants of the real contracts, built as descriptors in memory, so
 * that every kind of break is proven to be caught without editing a .proto file.
 */
class CompatibilityCheckerTest {

    private static final String LOCK_SERVICE = "asgard/lock/v1/lock_service.proto";
    private static final String LOCK_TYPES = "asgard/lock/v1/lock.proto";
    private static final String LOCK_EVENTS = "asgard/events/v1/lock_events.proto";

    private final ContractSnapshot published = ContractSnapshot.of(ProtoSources.descriptors());

    // ---------------------------------------------------------------- fields

    @Test
    void unchangedContractIsCompatibleAndAddsNothing() {
        Report report = CompatibilityChecker.compare(published, published);
        assertTrue(report.compatible());
        assertEquals(List.of(), report.additions());
    }

    @Test
    void renumberedFieldIsABreakThatNamesBothNumbers() {
        Report report = compare(variant(LOCK_SERVICE, file -> field(file, "AcquireRequest", "session_id").setNumber(13)));
        assertEquals(List.of(Kind.FIELD_RENUMBERED), report.kinds());
        String problem = report.breakages().getFirst().describe();
        assertTrue(problem.contains("asgard.lock.v1.AcquireRequest"), problem);
        assertTrue(problem.contains("renumbered from 2 to 13"), problem);
    }

    @Test
    void renamedFieldIsABreak() {
        Report report = compare(variant(LOCK_SERVICE, file -> field(file, "AcquireRequest", "session_id").setName("session")));
        assertEquals(List.of(Kind.FIELD_RENAMED), report.kinds());
    }

    @Test
    void changedScalarTypeIsABreak() {
        Report report = compare(variant(LOCK_SERVICE,
                file -> field(file, "AcquireRequest", "priority").setType(FieldDescriptorProto.Type.TYPE_INT64)));
        assertEquals(List.of(Kind.FIELD_TYPE_CHANGED), report.kinds());
    }

    @Test
    void changedMessageTypeIsABreak() {
        Report report = compare(variant(LOCK_SERVICE,
                file -> field(file, "AcquireRequest", "lease_ttl").setTypeName(".google.protobuf.Timestamp")));
        assertEquals(List.of(Kind.FIELD_TYPE_CHANGED), report.kinds());
        assertTrue(report.breakages().getFirst().problem().contains("message:google.protobuf.Timestamp"));
    }

    @Test
    void changedEnumTypeIsABreak() {
        Report report = compare(variant(LOCK_SERVICE,
                file -> field(file, "AcquireAborted", "reason").setTypeName(".asgard.lock.v1.LostReason")));
        assertEquals(List.of(Kind.FIELD_TYPE_CHANGED), report.kinds());
    }

    @Test
    void singularFieldMadeRepeatedIsABreak() {
        Report report = compare(variant(LOCK_SERVICE,
                file -> field(file, "AcquireRequest", "priority").setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)));
        assertEquals(List.of(Kind.FIELD_LABEL_CHANGED), report.kinds());
    }

    @Test
    void fieldMovedOutOfItsOneofIsABreak() {
        Report report = compare(variant(LOCK_SERVICE, file -> field(file, "AcquireResponse", "lost").clearOneofIndex()));
        assertEquals(List.of(Kind.FIELD_ONEOF_CHANGED), report.kinds());
        assertTrue(report.breakages().getFirst().problem().contains("from oneof state to (no oneof)"));
    }

    @Test
    void fieldRemovedWithoutReservationIsABreak() {
        Report report = compare(variant(LOCK_SERVICE, file -> removeField(message(file, "AcquireRequest"), "purpose")));
        assertEquals(List.of(Kind.FIELD_REMOVED), report.kinds());
        String fix = report.breakages().getFirst().fix();
        assertTrue(fix.contains("reserved 12;") && fix.contains("reserved \"purpose\";"), fix);
    }

    @Test
    void fieldRemovedWithOnlyItsNumberReservedIsABreak() {
        Report report = compare(variant(LOCK_SERVICE, file -> {
            DescriptorProto.Builder message = message(file, "AcquireRequest");
            removeField(message, "purpose");
            message.addReservedRangeBuilder().setStart(12).setEnd(13);
        }));
        assertEquals(List.of(Kind.FIELD_REMOVED), report.kinds());
        assertTrue(report.breakages().getFirst().fix().contains("reserved \"purpose\";"));
    }

    @Test
    void fieldRemovedWithNumberAndNameReservedIsCompatible() {
        Report report = compare(variant(LOCK_SERVICE, file -> {
            DescriptorProto.Builder message = message(file, "AcquireRequest");
            removeField(message, "purpose");
            message.addReservedRangeBuilder().setStart(12).setEnd(13);
            message.addReservedName("purpose");
        }));
        assertTrue(report.compatible(), report.breakages().toString());
    }

    @Test
    void removedReservationIsABreak() {
        ContractSnapshot reserving = variant(LOCK_SERVICE, file -> {
            message(file, "AcquireRequest").addReservedRangeBuilder().setStart(40).setEnd(42);
            message(file, "AcquireRequest").addReservedName("old_field");
        });
        Report report = CompatibilityChecker.compare(reserving, published);
        assertEquals(List.of(Kind.RESERVATION_REMOVED, Kind.RESERVATION_REMOVED), report.kinds());
    }

    @Test
    void reusedReservedNumberAndNameAreBreaks() {
        ContractSnapshot deleted = variant(LOCK_SERVICE, file -> {
            DescriptorProto.Builder message = message(file, "AcquireRequest");
            removeField(message, "purpose");
            message.addReservedRangeBuilder().setStart(12).setEnd(13);
            message.addReservedName("purpose");
        });
        Report report = CompatibilityChecker.compare(deleted, published);
        assertTrue(report.kinds().contains(Kind.RESERVED_REUSED), report.kinds().toString());
        assertEquals(2, report.kinds().stream().filter(Kind.RESERVED_REUSED::equals).count());
    }

    @Test
    void removedMessageIsABreak() {
        Report report = compare(variant(LOCK_EVENTS, file -> removeMessage(file, "LockReleased")));
        assertEquals(List.of(Kind.MESSAGE_REMOVED), report.kinds());
    }

    // ---------------------------------------------------------------- enums

    @Test
    void renumberedEnumValueIsABreak() {
        Report report = compare(variant(LOCK_TYPES, file -> enumValue(file, "LockMode", "LOCK_MODE_SHARED").setNumber(7)));
        assertEquals(List.of(Kind.ENUM_VALUE_RENUMBERED), report.kinds());
    }

    @Test
    void renamedEnumValueIsABreak() {
        Report report = compare(variant(LOCK_TYPES,
                file -> enumValue(file, "LockMode", "LOCK_MODE_SHARED").setName("LOCK_MODE_READ")));
        assertEquals(List.of(Kind.ENUM_VALUE_RENAMED), report.kinds());
    }

    @Test
    void enumValueRemovedWithoutReservationIsABreakAndWithReservationIsNot() {
        Report removed = compare(variant(LOCK_TYPES, file -> removeEnumValue(enumType(file, "LockMode"), "LOCK_MODE_SEMAPHORE")));
        assertEquals(List.of(Kind.ENUM_VALUE_REMOVED), removed.kinds());

        Report reserved = compare(variant(LOCK_TYPES, file -> {
            EnumDescriptorProto.Builder lockMode = enumType(file, "LockMode");
            removeEnumValue(lockMode, "LOCK_MODE_SEMAPHORE");
            lockMode.addReservedRangeBuilder().setStart(3).setEnd(3);
            lockMode.addReservedName("LOCK_MODE_SEMAPHORE");
        }));
        assertTrue(reserved.compatible(), reserved.breakages().toString());
    }

    @Test
    void removedEnumIsABreak() {
        Report report = compare(variant(LOCK_SERVICE, file -> {
            file.removeEnumType(indexOfEnum(file, "ReleaseOutcome"));
            field(file, "ReleaseResponse", "outcome").setType(FieldDescriptorProto.Type.TYPE_INT32).clearTypeName();
        }));
        assertEquals(List.of(Kind.FIELD_TYPE_CHANGED, Kind.ENUM_REMOVED), report.kinds());
    }

    // ---------------------------------------------------------------- services and files

    @Test
    void removedRpcIsABreak() {
        Report report = compare(variant(LOCK_SERVICE, file -> removeMethod(file.getServiceBuilder(0), "KeepAlive")));
        assertEquals(List.of(Kind.RPC_REMOVED), report.kinds());
    }

    @Test
    void serverStreamingRpcMadeUnaryIsABreak() {
        Report report = compare(variant(LOCK_SERVICE, file -> method(file.getServiceBuilder(0), "Acquire").setServerStreaming(false)));
        assertEquals(List.of(Kind.RPC_CHANGED), report.kinds());
    }

    @Test
    void rpcWithAnotherRequestTypeIsABreak() {
        Report report = compare(variant(LOCK_SERVICE,
                file -> method(file.getServiceBuilder(0), "Release").setInputType(".asgard.lock.v1.GetLockRequest")));
        assertEquals(List.of(Kind.RPC_CHANGED), report.kinds());
    }

    @Test
    void removedServiceIsABreak() {
        Report report = compare(variant(LOCK_SERVICE, file -> file.removeService(0)));
        assertEquals(List.of(Kind.SERVICE_REMOVED), report.kinds());
    }

    @Test
    void removedFileIsABreak() {
        List<FileDescriptor> withoutFile = new ArrayList<>(ProtoSources.descriptors());
        withoutFile.removeIf(file -> file.getName().equals(LOCK_EVENTS));
        Report report = compare(ContractSnapshot.of(withoutFile));
        assertTrue(report.kinds().contains(Kind.FILE_REMOVED), report.kinds().toString());
        assertTrue(report.kinds().stream().allMatch(kind -> kind == Kind.FILE_REMOVED || kind == Kind.MESSAGE_REMOVED));
    }

    @Test
    void changedJavaOuterClassnameIsABreak() {
        Report report = compare(variant(LOCK_SERVICE,
                file -> file.setOptions(file.getOptions().toBuilder().setJavaOuterClassname("LockApiProto"))));
        assertEquals(List.of(Kind.FILE_OPTION_CHANGED), report.kinds());
    }

    @Test
    void additionsOfEveryKindAreCompatibleAndListed() throws DescriptorValidationException {
        List<FileDescriptor> files = new ArrayList<>(rebuilt(LOCK_SERVICE, file -> {
            message(file, "AcquireRequest").addField(FieldDescriptorProto.newBuilder().setName("deadline_hint")
                    .setNumber(50).setType(FieldDescriptorProto.Type.TYPE_STRING)
                    .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL));
            enumType(file, "ReleaseOutcome").addValue(EnumValueDescriptorProto.newBuilder()
                    .setName("RELEASE_OUTCOME_UNKNOWN_LOCK").setNumber(4));
            file.addMessageType(DescriptorProto.newBuilder().setName("PingRequest"));
            file.addMessageType(DescriptorProto.newBuilder().setName("PingResponse"));
            file.getServiceBuilder(0).addMethod(MethodDescriptorProto.newBuilder().setName("Ping")
                    .setInputType(".asgard.lock.v1.PingRequest").setOutputType(".asgard.lock.v1.PingResponse"));
        }));
        files.add(FileDescriptor.buildFrom(FileDescriptorProto.newBuilder().setName("asgard/lock/v1/lock_admin.proto")
                .setPackage("asgard.lock.v1").setSyntax("proto3")
                .addMessageType(DescriptorProto.newBuilder().setName("Limits"))
                .addService(ServiceDescriptorProto.newBuilder().setName("LockAdminService")).build(),
                new FileDescriptor[0]));

        Report report = compare(ContractSnapshot.of(files));

        assertTrue(report.compatible(), report.breakages().toString());
        assertEquals(List.of(
                "file asgard/lock/v1/lock_admin.proto",
                "message asgard.lock.v1.Limits",
                "message asgard.lock.v1.PingRequest",
                "message asgard.lock.v1.PingResponse",
                "field asgard.lock.v1.AcquireRequest.deadline_hint = 50",
                "enum value asgard.lock.v1.ReleaseOutcome.RELEASE_OUTCOME_UNKNOWN_LOCK = 4",
                "rpc asgard.lock.v1.LockService.Ping",
                "service asgard.lock.v1.LockAdminService").stream().sorted().toList(),
                report.additions().stream().sorted().toList());
    }

    // ---------------------------------------------------------------- snapshot file and guard

    @Test
    void textFormRoundTripsWithoutLoss() {
        String text = published.render();
        ContractSnapshot parsed = ContractSnapshot.parse(text);
        assertEquals(published, parsed);
        assertEquals(text, parsed.render());
    }

    @Test
    void guardRefusesToRecordABreakingChangeEvenWhenAskedToUpdate(@TempDir Path dir) throws IOException {
        Path snapshot = dir.resolve("proto-snapshot.txt");
        Files.writeString(snapshot, published.render(), StandardCharsets.UTF_8);
        ContractSnapshot broken = variant(LOCK_SERVICE, file -> field(file, "AcquireRequest", "session_id").setNumber(13));

        SnapshotGuard.ContractBrokenException failure = assertThrows(SnapshotGuard.ContractBrokenException.class,
                () -> SnapshotGuard.check(snapshot, broken, true));

        assertEquals(published.render(), Files.readString(snapshot), "the snapshot must stay as it was");
        String message = failure.getMessage();
        assertTrue(message.contains("1 breaking change(s)"), message);
        assertTrue(message.contains("renumbered from 2 to 13"), message);
        assertTrue(message.contains("Fix: give 'session_id' its number 2 back"), message);
        assertTrue(message.contains("How to proceed"), message);
        assertTrue(message.contains("was NOT updated"), message);
    }

    @Test
    void guardFailsOnABreakingChangeWithoutUpdate(@TempDir Path dir) throws IOException {
        Path snapshot = dir.resolve("proto-snapshot.txt");
        Files.writeString(snapshot, published.render(), StandardCharsets.UTF_8);
        ContractSnapshot broken = variant(LOCK_SERVICE, file -> removeMethod(file.getServiceBuilder(0), "KeepAlive"));

        SnapshotGuard.ContractBrokenException failure = assertThrows(SnapshotGuard.ContractBrokenException.class,
                () -> SnapshotGuard.check(snapshot, broken, false));
        assertEquals(List.of(Kind.RPC_REMOVED), failure.report().kinds());
        assertTrue(failure.getMessage().contains("rpc KeepAlive"), failure.getMessage());
    }

    @Test
    void guardPassesAdditionsAndRecordsThemOnlyWhenAskedTo(@TempDir Path dir) throws IOException {
        Path snapshot = dir.resolve("proto-snapshot.txt");
        ContractSnapshot older = variant(LOCK_SERVICE, file -> removeMethod(file.getServiceBuilder(0), "Watch"));
        Files.writeString(snapshot, older.render(), StandardCharsets.UTF_8);

        SnapshotGuard.Result verify = SnapshotGuard.check(snapshot, published, false);
        assertEquals(SnapshotGuard.Outcome.ADDITIONS_NOT_RECORDED, verify.outcome());
        assertEquals(List.of("rpc asgard.lock.v1.LockService.Watch"), verify.additions());
        assertEquals(older.render(), Files.readString(snapshot));

        SnapshotGuard.Result update = SnapshotGuard.check(snapshot, published, true);
        assertEquals(SnapshotGuard.Outcome.WRITTEN, update.outcome());
        assertEquals(published.render(), Files.readString(snapshot));

        assertEquals(SnapshotGuard.Outcome.UP_TO_DATE, SnapshotGuard.check(snapshot, published, false).outcome());
    }

    @Test
    void missingSnapshotFailsWithInstructionsUnlessCreationIsAsked(@TempDir Path dir) {
        Path snapshot = dir.resolve("proto-snapshot.txt");
        SnapshotGuard.ContractBrokenException failure = assertThrows(SnapshotGuard.ContractBrokenException.class,
                () -> SnapshotGuard.check(snapshot, published, false));
        assertTrue(failure.getMessage().contains(SnapshotGuard.UPDATE_COMMAND), failure.getMessage());
        assertFalse(Files.exists(snapshot));

        assertEquals(SnapshotGuard.Outcome.WRITTEN, SnapshotGuard.check(snapshot, published, true).outcome());
        assertTrue(Files.exists(snapshot));
    }

    @Test
    void unreadableSnapshotNamesTheLine() {
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> ContractSnapshot.parse("message asgard.x.v1.Y\n  file x.proto\n  field one name singular string\n"));
        assertTrue(failure.getMessage().contains("line 3"), failure.getMessage());
    }

    // ---------------------------------------------------------------- helpers

    private Report compare(ContractSnapshot current) {
        return CompatibilityChecker.compare(published, current);
    }

    /** The real contract with one file changed. */
    private static ContractSnapshot variant(String fileName, Consumer<FileDescriptorProto.Builder> change) {
        return ContractSnapshot.of(rebuilt(fileName, change));
    }

    private static List<FileDescriptor> rebuilt(String fileName, Consumer<FileDescriptorProto.Builder> change) {
        List<FileDescriptor> files = new ArrayList<>();
        boolean found = false;
        for (FileDescriptor file : ProtoSources.descriptors()) {
            if (!file.getName().equals(fileName)) {
                files.add(file);
                continue;
            }
            found = true;
            FileDescriptorProto.Builder proto = file.toProto().toBuilder();
            change.accept(proto);
            try {
                files.add(FileDescriptor.buildFrom(proto.build(), file.getDependencies().toArray(new FileDescriptor[0])));
            } catch (DescriptorValidationException e) {
                throw new IllegalStateException("the test built an invalid variant of " + fileName, e);
            }
        }
        if (!found) {
            throw new IllegalStateException("no such proto file: " + fileName);
        }
        return files;
    }

    private static DescriptorProto.Builder message(FileDescriptorProto.Builder file, String name) {
        return file.getMessageTypeBuilderList().stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no message " + name));
    }

    private static FieldDescriptorProto.Builder field(FileDescriptorProto.Builder file, String message, String name) {
        return message(file, message).getFieldBuilderList().stream().filter(f -> f.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no field " + message + "." + name));
    }

    private static void removeField(DescriptorProto.Builder message, String name) {
        for (int i = 0; i < message.getFieldCount(); i++) {
            if (message.getField(i).getName().equals(name)) {
                message.removeField(i);
                return;
            }
        }
        throw new IllegalStateException("no field " + name);
    }

    private static void removeMessage(FileDescriptorProto.Builder file, String name) {
        for (int i = 0; i < file.getMessageTypeCount(); i++) {
            if (file.getMessageType(i).getName().equals(name)) {
                file.removeMessageType(i);
                return;
            }
        }
        throw new IllegalStateException("no message " + name);
    }

    private static int indexOfEnum(FileDescriptorProto.Builder file, String name) {
        for (int i = 0; i < file.getEnumTypeCount(); i++) {
            if (file.getEnumType(i).getName().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("no enum " + name);
    }

    private static EnumDescriptorProto.Builder enumType(FileDescriptorProto.Builder file, String name) {
        return file.getEnumTypeBuilder(indexOfEnum(file, name));
    }

    private static EnumValueDescriptorProto.Builder enumValue(FileDescriptorProto.Builder file, String enumName,
            String value) {
        return enumType(file, enumName).getValueBuilderList().stream().filter(v -> v.getName().equals(value)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no value " + value));
    }

    private static void removeEnumValue(EnumDescriptorProto.Builder enumType, String value) {
        for (int i = 0; i < enumType.getValueCount(); i++) {
            if (enumType.getValue(i).getName().equals(value)) {
                enumType.removeValue(i);
                return;
            }
        }
        throw new IllegalStateException("no value " + value);
    }

    private static MethodDescriptorProto.Builder method(ServiceDescriptorProto.Builder service, String name) {
        return service.getMethodBuilderList().stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no rpc " + name));
    }

    private static void removeMethod(ServiceDescriptorProto.Builder service, String name) {
        for (int i = 0; i < service.getMethodCount(); i++) {
            if (service.getMethod(i).getName().equals(name)) {
                service.removeMethod(i);
                return;
            }
        }
        throw new IllegalStateException("no rpc " + name);
    }
}
