package dev.asgard.proto.compat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;

import dev.asgard.proto.compat.ContractSnapshot.EnumShape;
import dev.asgard.proto.compat.ContractSnapshot.FieldShape;
import dev.asgard.proto.compat.ContractSnapshot.FileShape;
import dev.asgard.proto.compat.ContractSnapshot.MessageShape;
import dev.asgard.proto.compat.ContractSnapshot.MethodShape;
import dev.asgard.proto.compat.ContractSnapshot.NumberRange;
import dev.asgard.proto.compat.ContractSnapshot.ServiceShape;

/**
 * Compares a published contract (the committed snapshot) with the current one and lists what
 * breaks existing clients, stored events or generated Java code, and what was only added.
 */
final class CompatibilityChecker {

    /** What kind of break was found; tests assert on it, people read the problem text. */
    enum Kind {
        FILE_REMOVED,
        FILE_OPTION_CHANGED,
        MESSAGE_REMOVED,
        FIELD_REMOVED,
        FIELD_RENUMBERED,
        FIELD_RENAMED,
        FIELD_TYPE_CHANGED,
        FIELD_LABEL_CHANGED,
        FIELD_ONEOF_CHANGED,
        RESERVATION_REMOVED,
        RESERVED_REUSED,
        ENUM_REMOVED,
        ENUM_VALUE_REMOVED,
        ENUM_VALUE_RENUMBERED,
        ENUM_VALUE_RENAMED,
        SERVICE_REMOVED,
        RPC_REMOVED,
        RPC_CHANGED
    }

    /** One breaking change: where, what, and how to fix it. */
    record Breakage(Kind kind, String element, String problem, String fix) {

        String describe() {
            return element + ": " + problem + "\n     Fix: " + fix;
        }
    }

    /** The outcome of a comparison. */
    record Report(List<Breakage> breakages, List<String> additions) {

        boolean compatible() {
            return breakages.isEmpty();
        }

        List<Kind> kinds() {
            return breakages.stream().map(Breakage::kind).toList();
        }
    }

    private static final String EVOLVE = "to change a field, add a new one with a new number, mark the old one "
            + "[deprecated = true], and once nobody uses it, delete it and reserve its number and name";

    private final List<Breakage> breakages = new ArrayList<>();
    private final List<String> additions = new ArrayList<>();

    private CompatibilityChecker() {
    }

    static Report compare(ContractSnapshot published, ContractSnapshot current) {
        CompatibilityChecker checker = new CompatibilityChecker();
        checker.compareFiles(published, current);
        checker.compareMessages(published, current);
        checker.compareEnums(published, current);
        checker.compareServices(published, current);
        return new Report(List.copyOf(checker.breakages), List.copyOf(checker.additions));
    }

    private void breaks(Kind kind, String element, String problem, String fix) {
        breakages.add(new Breakage(kind, element, problem, fix));
    }

    // ---------------------------------------------------------------- files

    private void compareFiles(ContractSnapshot published, ContractSnapshot current) {
        for (FileShape before : published.files().values()) {
            FileShape after = current.files().get(before.path());
            if (after == null) {
                breaks(Kind.FILE_REMOVED, before.path(), "the proto file disappeared (removed, renamed or moved).",
                        "restore it at " + before.path() + ". Its types are published; to retire them, mark them "
                                + "[deprecated = true] and keep them until a new package version (v2) replaces them.");
                continue;
            }
            compareFileOption(before.path(), "package", before.protoPackage(), after.protoPackage());
            compareFileOption(before.path(), "java_package", before.javaPackage(), after.javaPackage());
            compareFileOption(before.path(), "java_outer_classname", before.javaOuterClassname(),
                    after.javaOuterClassname());
            compareFileOption(before.path(), "java_multiple_files", Boolean.toString(before.javaMultipleFiles()),
                    Boolean.toString(after.javaMultipleFiles()));
        }
        current.files().keySet().stream().filter(path -> !published.files().containsKey(path))
                .forEach(path -> additions.add("file " + path));
    }

    private void compareFileOption(String path, String option, String before, String after) {
        if (!before.equals(after)) {
            breaks(Kind.FILE_OPTION_CHANGED, path, option + " changed from '" + before + "' to '" + after
                    + "': every generated class or type name in the file moves with it.",
                    "restore " + option + " '" + before + "'.");
        }
    }

    // ---------------------------------------------------------------- messages

    private void compareMessages(ContractSnapshot published, ContractSnapshot current) {
        for (MessageShape before : published.messages().values()) {
            MessageShape after = current.messages().get(before.fullName());
            if (after == null) {
                breaks(Kind.MESSAGE_REMOVED, "message " + before.fullName(),
                        "the message disappeared (removed, renamed, or its package changed).",
                        "restore it in " + before.file() + "; mark it [deprecated = true] instead of removing it.");
                continue;
            }
            if (!before.file().equals(after.file())) {
                additions.add("message " + before.fullName() + " moved from " + before.file() + " to " + after.file());
            }
            compareFields(before, after);
            compareReservations("message " + before.fullName(), before.reservedRanges(), before.reservedNames(),
                    after.reservedRanges(), after.reservedNames(), after.fields().keySet(),
                    after.fields().values().stream().map(FieldShape::name).toList());
        }
        current.messages().keySet().stream().filter(name -> !published.messages().containsKey(name))
                .forEach(name -> additions.add("message " + name));
    }

    private void compareFields(MessageShape before, MessageShape after) {
        Set<Integer> explained = new HashSet<>();
        for (FieldShape field : before.fields().values()) {
            String element = "message " + before.fullName() + ", field " + field.number() + " '" + field.name() + "'";
            FieldShape now = after.fields().get(field.number());
            if (now == null) {
                FieldShape sameName = after.fieldNamed(field.name());
                if (sameName != null) {
                    explained.add(sameName.number());
                    breaks(Kind.FIELD_RENUMBERED, element, "renumbered from " + field.number() + " to "
                            + sameName.number() + ": data written as field " + field.number()
                            + " is no longer read, and field " + sameName.number() + " means something else to old readers.",
                            "give '" + field.name() + "' its number " + field.number() + " back; field numbers "
                                    + "identify fields on the wire and can never change (" + EVOLVE + ").");
                    continue;
                }
                boolean numberReserved = after.isReservedNumber(field.number());
                boolean nameReserved = after.reservedNames().contains(field.name());
                if (!numberReserved || !nameReserved) {
                    List<String> missing = new ArrayList<>();
                    if (!numberReserved) {
                        missing.add("reserved " + field.number() + ";");
                    }
                    if (!nameReserved) {
                        missing.add("reserved \"" + field.name() + "\";");
                    }
                    breaks(Kind.FIELD_REMOVED, element, "the field was removed without reserving its "
                            + (numberReserved ? "name" : nameReserved ? "number" : "number and name")
                            + ", so a later field could reuse it and misread old data.",
                            "restore the field (preferably [deprecated = true]), or add " + String.join(" and ", missing)
                                    + " to " + before.fullName() + ".");
                }
                continue;
            }
            if (!now.name().equals(field.name())) {
                breaks(Kind.FIELD_RENAMED, element, "renamed to '" + now.name()
                        + "': the JSON form and the generated Java accessors change.",
                        "restore the name '" + field.name() + "' (" + EVOLVE + ").");
            }
            if (!now.type().equals(field.type())) {
                breaks(Kind.FIELD_TYPE_CHANGED, element, "type changed from " + field.type() + " to " + now.type()
                        + ": existing data and clients would be misread.",
                        "restore the type " + field.type() + " (" + EVOLVE + ").");
            }
            if (!now.label().equals(field.label())) {
                breaks(Kind.FIELD_LABEL_CHANGED, element, "label changed from " + field.label() + " to " + now.label()
                        + ": presence or cardinality semantics and the generated Java API change.",
                        "restore it as " + field.label() + " (" + EVOLVE + ").");
            }
            if (!now.oneof().equals(field.oneof())) {
                breaks(Kind.FIELD_ONEOF_CHANGED, element, "oneof membership changed from "
                        + describeOneof(field.oneof()) + " to " + describeOneof(now.oneof())
                        + ": setting another member now clears it, or the reverse.",
                        "restore its place " + describeOneof(field.oneof()) + "; add new fields to a oneof only when "
                                + "they are new.");
            }
        }
        after.fields().values().stream()
                .filter(field -> !before.fields().containsKey(field.number()) && !explained.contains(field.number()))
                .forEach(field -> additions.add("field " + before.fullName() + "." + field.name() + " = " + field.number()));
    }

    private static String describeOneof(String oneof) {
        return oneof.isEmpty() ? "(no oneof)" : "oneof " + oneof;
    }

    private void compareReservations(String element, SortedSet<NumberRange> rangesBefore, SortedSet<String> namesBefore,
            SortedSet<NumberRange> rangesAfter, SortedSet<String> namesAfter, Iterable<Integer> numbersInUse,
            List<String> namesInUse) {
        for (Integer number : numbersInUse) {
            NumberRange range = rangesBefore.stream().filter(r -> r.contains(number)).findFirst().orElse(null);
            if (range != null) {
                breaks(Kind.RESERVED_REUSED, element, "number " + number + " was reserved (reserved " + range
                        + ") and is used again: old data with that number would be misread.",
                        "use a new number and keep 'reserved " + range + ";'.");
            }
        }
        for (String name : namesInUse) {
            if (namesBefore.contains(name)) {
                breaks(Kind.RESERVED_REUSED, element, "name '" + name + "' was reserved and is used again.",
                        "use a new name and keep 'reserved \"" + name + "\";'.");
            }
        }
        for (NumberRange range : rangesBefore) {
            if (!covered(range, rangesAfter)) {
                breaks(Kind.RESERVATION_REMOVED, element, "the reservation 'reserved " + range
                        + "' was removed or narrowed.", "restore 'reserved " + range + ";'; reservations are forever.");
            }
        }
        for (String name : namesBefore) {
            if (!namesAfter.contains(name)) {
                breaks(Kind.RESERVATION_REMOVED, element, "the reservation 'reserved \"" + name + "\"' was removed.",
                        "restore 'reserved \"" + name + "\";'; reservations are forever.");
            }
        }
    }

    /** Whether every number of range is inside one of the ranges. */
    private static boolean covered(NumberRange range, SortedSet<NumberRange> ranges) {
        long next = range.start();
        for (NumberRange candidate : ranges) {
            if (candidate.start() <= next && candidate.end() >= next) {
                next = (long) candidate.end() + 1;
                if (next > range.end()) {
                    return true;
                }
            }
        }
        return next > range.end();
    }

    // ---------------------------------------------------------------- enums

    private void compareEnums(ContractSnapshot published, ContractSnapshot current) {
        for (EnumShape before : published.enums().values()) {
            EnumShape after = current.enums().get(before.fullName());
            if (after == null) {
                breaks(Kind.ENUM_REMOVED, "enum " + before.fullName(),
                        "the enum disappeared (removed, renamed, or its package changed).",
                        "restore it in " + before.file() + "; mark it [deprecated = true] instead of removing it.");
                continue;
            }
            Set<String> explained = new HashSet<>();
            for (Map.Entry<String, Integer> value : before.values().entrySet()) {
                String name = value.getKey();
                int number = value.getValue();
                String element = "enum " + before.fullName() + ", value " + name + " = " + number;
                Integer now = after.values().get(name);
                if (now != null && now != number) {
                    breaks(Kind.ENUM_VALUE_RENUMBERED, element, "renumbered to " + now
                            + ": stored and transmitted values would be read as a different value.",
                            "give " + name + " its number " + number + " back; add new values with new numbers.");
                } else if (now == null) {
                    List<String> others = after.namesOf(number);
                    if (!others.isEmpty()) {
                        explained.addAll(others);
                        breaks(Kind.ENUM_VALUE_RENAMED, element, "renamed to " + String.join(", ", others)
                                + ": the JSON form and the generated Java constant change.",
                                "restore the name " + name + "; add a new value with a new number if the meaning changed.");
                    } else if (!after.isReservedNumber(number) || !after.reservedNames().contains(name)) {
                        breaks(Kind.ENUM_VALUE_REMOVED, element, "the value was removed without reserving its number "
                                + "and name.", "restore it (it may be documented as no longer used), or add 'reserved "
                                        + number + ";' and 'reserved \"" + name + "\";' to " + before.fullName() + ".");
                    }
                }
            }
            compareReservations("enum " + before.fullName(), before.reservedRanges(), before.reservedNames(),
                    after.reservedRanges(), after.reservedNames(), after.values().values(),
                    List.copyOf(after.values().keySet()));
            after.values().entrySet().stream()
                    .filter(value -> !before.values().containsKey(value.getKey()) && !explained.contains(value.getKey()))
                    .forEach(value -> additions.add("enum value " + before.fullName() + "." + value.getKey() + " = "
                            + value.getValue()));
        }
        current.enums().keySet().stream().filter(name -> !published.enums().containsKey(name))
                .forEach(name -> additions.add("enum " + name));
    }

    // ---------------------------------------------------------------- services

    private void compareServices(ContractSnapshot published, ContractSnapshot current) {
        for (ServiceShape before : published.services().values()) {
            ServiceShape after = current.services().get(before.fullName());
            if (after == null) {
                breaks(Kind.SERVICE_REMOVED, "service " + before.fullName(),
                        "the service disappeared (removed, renamed, or its package changed).",
                        "restore it in " + before.file() + "; deprecate RPCs instead of removing them.");
                continue;
            }
            for (MethodShape method : before.methods().values()) {
                String element = "service " + before.fullName() + ", rpc " + method.name();
                MethodShape now = after.methods().get(method.name());
                if (now == null) {
                    breaks(Kind.RPC_REMOVED, element, "the RPC disappeared (removed or renamed): clients calling it "
                            + "get UNIMPLEMENTED.", "restore it (option deprecated = true marks it as going away).");
                } else if (!now.signature().equals(method.signature())) {
                    breaks(Kind.RPC_CHANGED, element, "changed from (" + method.signature() + ") to ("
                            + now.signature() + "): existing clients send or expect something else.",
                            "restore (" + method.signature() + "); add a new RPC for the new shape.");
                }
            }
            after.methods().keySet().stream().filter(name -> !before.methods().containsKey(name))
                    .forEach(name -> additions.add("rpc " + before.fullName() + "." + name));
        }
        current.services().keySet().stream().filter(name -> !published.services().containsKey(name))
                .forEach(name -> additions.add("service " + name));
    }
}
