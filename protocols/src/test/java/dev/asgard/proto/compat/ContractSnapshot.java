package dev.asgard.proto.compat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;

/**
 * The wire- and API-relevant shape of a set of proto files: files with their packages and Java
 * options, messages with their fields and reservations, enums with their values and reservations,
 * services with their RPCs. Comments, options that do not change the contract and field order are
 * left out, so the snapshot changes only when the contract does.
 *
 * <p>The text form is line oriented and sorted, so that a change to the contract shows up as a
 * small, readable diff of the committed snapshot file.
 */
record ContractSnapshot(
        SortedMap<String, FileShape> files,
        SortedMap<String, MessageShape> messages,
        SortedMap<String, EnumShape> enums,
        SortedMap<String, ServiceShape> services) {

    static final String HEADER = """
            # Asgard protobuf contract snapshot: the published shape of every .proto file in
            # protocols/src/main/proto. The compatibility guard (ProtoCompatibilityTest) fails the build
            # when a change breaks it. Do not edit by hand; after adding fields, messages, enum values,
            # RPCs or files, record them with:
            #   ./mvnw -pl protocols install -Dasgard.proto.update-snapshot=true
            # Field lines: field <number> <name> <label> <type> [oneof=<name>]
            """;

    ContractSnapshot {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
        messages = Collections.unmodifiableSortedMap(new TreeMap<>(messages));
        enums = Collections.unmodifiableSortedMap(new TreeMap<>(enums));
        services = Collections.unmodifiableSortedMap(new TreeMap<>(services));
    }

    /** A proto file and the options that decide its package and generated Java names. */
    record FileShape(String path, String protoPackage, String javaPackage, String javaOuterClassname,
            boolean javaMultipleFiles) {
    }

    /** One field: number, name, label ({@code singular}, {@code optional}, {@code repeated}), type, oneof. */
    record FieldShape(int number, String name, String label, String type, String oneof) {
    }

    /** An inclusive range of reserved numbers. */
    record NumberRange(int start, int end) implements Comparable<NumberRange> {

        boolean contains(int number) {
            return number >= start && number <= end;
        }

        @Override
        public int compareTo(NumberRange other) {
            return Comparator.comparingInt(NumberRange::start).thenComparingInt(NumberRange::end).compare(this, other);
        }

        @Override
        public String toString() {
            return start == end ? Integer.toString(start) : start + "-" + end;
        }

        static NumberRange parse(String text) {
            int dash = text.indexOf('-', 1);
            if (dash < 0) {
                int number = Integer.parseInt(text);
                return new NumberRange(number, number);
            }
            return new NumberRange(Integer.parseInt(text.substring(0, dash)), Integer.parseInt(text.substring(dash + 1)));
        }
    }

    /** A message, its fields by number, and what it reserves. */
    record MessageShape(String fullName, String file, SortedMap<Integer, FieldShape> fields,
            SortedSet<NumberRange> reservedRanges, SortedSet<String> reservedNames) {

        MessageShape {
            fields = Collections.unmodifiableSortedMap(new TreeMap<>(fields));
            reservedRanges = Collections.unmodifiableSortedSet(new TreeSet<>(reservedRanges));
            reservedNames = Collections.unmodifiableSortedSet(new TreeSet<>(reservedNames));
        }

        boolean isReservedNumber(int number) {
            return reservedRanges.stream().anyMatch(range -> range.contains(number));
        }

        FieldShape fieldNamed(String name) {
            return fields.values().stream().filter(field -> field.name().equals(name)).findFirst().orElse(null);
        }
    }

    /** An enum, its values (name to number), and what it reserves. */
    record EnumShape(String fullName, String file, SortedMap<String, Integer> values,
            SortedSet<NumberRange> reservedRanges, SortedSet<String> reservedNames) {

        EnumShape {
            values = Collections.unmodifiableSortedMap(new TreeMap<>(values));
            reservedRanges = Collections.unmodifiableSortedSet(new TreeSet<>(reservedRanges));
            reservedNames = Collections.unmodifiableSortedSet(new TreeSet<>(reservedNames));
        }

        boolean isReservedNumber(int number) {
            return reservedRanges.stream().anyMatch(range -> range.contains(number));
        }

        List<String> namesOf(int number) {
            return values.entrySet().stream().filter(e -> e.getValue() == number).map(Map.Entry::getKey).toList();
        }
    }

    /** One RPC: request and response types and which sides stream. */
    record MethodShape(String name, String input, String output, boolean clientStreaming, boolean serverStreaming) {

        String signature() {
            return (clientStreaming ? "stream " : "") + input + " -> " + (serverStreaming ? "stream " : "") + output;
        }
    }

    /** A service and its RPCs by name. */
    record ServiceShape(String fullName, String file, SortedMap<String, MethodShape> methods) {

        ServiceShape {
            methods = Collections.unmodifiableSortedMap(new TreeMap<>(methods));
        }
    }

    // ---------------------------------------------------------------- from descriptors

    static ContractSnapshot of(Collection<FileDescriptor> descriptors) {
        SortedMap<String, FileShape> files = new TreeMap<>();
        SortedMap<String, MessageShape> messages = new TreeMap<>();
        SortedMap<String, EnumShape> enums = new TreeMap<>();
        SortedMap<String, ServiceShape> services = new TreeMap<>();
        for (FileDescriptor file : descriptors) {
            files.put(file.getName(), new FileShape(file.getName(), file.getPackage(),
                    file.getOptions().getJavaPackage(), file.getOptions().getJavaOuterClassname(),
                    file.getOptions().getJavaMultipleFiles()));
            for (Descriptor message : file.getMessageTypes()) {
                addMessage(message, messages, enums);
            }
            for (EnumDescriptor enumType : file.getEnumTypes()) {
                addEnum(enumType, enums);
            }
            for (ServiceDescriptor service : file.getServices()) {
                SortedMap<String, MethodShape> methods = new TreeMap<>();
                for (MethodDescriptor method : service.getMethods()) {
                    methods.put(method.getName(), new MethodShape(method.getName(),
                            method.getInputType().getFullName(), method.getOutputType().getFullName(),
                            method.isClientStreaming(), method.isServerStreaming()));
                }
                services.put(service.getFullName(), new ServiceShape(service.getFullName(), file.getName(), methods));
            }
        }
        return new ContractSnapshot(files, messages, enums, services);
    }

    private static void addMessage(Descriptor message, Map<String, MessageShape> messages, Map<String, EnumShape> enums) {
        SortedMap<Integer, FieldShape> fields = new TreeMap<>();
        for (FieldDescriptor field : message.getFields()) {
            OneofDescriptor oneof = field.getRealContainingOneof();
            fields.put(field.getNumber(), new FieldShape(field.getNumber(), field.getName(), label(field),
                    type(field), oneof == null ? "" : oneof.getName()));
        }
        DescriptorProto proto = message.toProto();
        SortedSet<NumberRange> reserved = new TreeSet<>();
        // DescriptorProto reserved ranges have an exclusive end.
        proto.getReservedRangeList().forEach(r -> reserved.add(new NumberRange(r.getStart(), r.getEnd() - 1)));
        messages.put(message.getFullName(), new MessageShape(message.getFullName(), message.getFile().getName(), fields,
                reserved, new TreeSet<>(proto.getReservedNameList())));
        for (Descriptor nested : message.getNestedTypes()) {
            addMessage(nested, messages, enums);
        }
        for (EnumDescriptor nested : message.getEnumTypes()) {
            addEnum(nested, enums);
        }
    }

    private static void addEnum(EnumDescriptor enumType, Map<String, EnumShape> enums) {
        SortedMap<String, Integer> values = new TreeMap<>();
        for (EnumValueDescriptor value : enumType.getValues()) {
            values.put(value.getName(), value.getNumber());
        }
        EnumDescriptorProto proto = enumType.toProto();
        SortedSet<NumberRange> reserved = new TreeSet<>();
        // EnumDescriptorProto reserved ranges have an inclusive end.
        proto.getReservedRangeList().forEach(r -> reserved.add(new NumberRange(r.getStart(), r.getEnd())));
        enums.put(enumType.getFullName(), new EnumShape(enumType.getFullName(), enumType.getFile().getName(), values,
                reserved, new TreeSet<>(proto.getReservedNameList())));
    }

    private static String label(FieldDescriptor field) {
        if (field.isRepeated()) {
            return "repeated";
        }
        if (field.isRequired()) {
            return "required";
        }
        return field.toProto().getProto3Optional() ? "optional" : "singular";
    }

    private static String type(FieldDescriptor field) {
        return switch (field.getType()) {
            case MESSAGE, GROUP -> "message:" + field.getMessageType().getFullName();
            case ENUM -> "enum:" + field.getEnumType().getFullName();
            default -> field.getType().name().toLowerCase(Locale.ROOT);
        };
    }

    // ---------------------------------------------------------------- text form

    String render() {
        StringBuilder out = new StringBuilder(HEADER);
        for (FileShape file : files.values()) {
            out.append('\n').append("file ").append(file.path()).append('\n')
                    .append("  package ").append(file.protoPackage()).append('\n')
                    .append("  java_package ").append(file.javaPackage()).append('\n')
                    .append("  java_outer_classname ").append(file.javaOuterClassname()).append('\n')
                    .append("  java_multiple_files ").append(file.javaMultipleFiles()).append('\n');
        }
        for (MessageShape message : messages.values()) {
            out.append('\n').append("message ").append(message.fullName()).append('\n')
                    .append("  file ").append(message.file()).append('\n');
            for (FieldShape field : message.fields().values()) {
                out.append("  field ").append(field.number()).append(' ').append(field.name()).append(' ')
                        .append(field.label()).append(' ').append(field.type());
                if (!field.oneof().isEmpty()) {
                    out.append(" oneof=").append(field.oneof());
                }
                out.append('\n');
            }
            message.reservedRanges().forEach(range -> out.append("  reserved ").append(range).append('\n'));
            message.reservedNames().forEach(name -> out.append("  reserved-name ").append(name).append('\n'));
        }
        for (EnumShape enumType : enums.values()) {
            out.append('\n').append("enum ").append(enumType.fullName()).append('\n')
                    .append("  file ").append(enumType.file()).append('\n');
            enumType.values().entrySet().stream()
                    .sorted(Map.Entry.<String, Integer> comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                    .forEach(value -> out.append("  value ").append(value.getValue()).append(' ')
                            .append(value.getKey()).append('\n'));
            enumType.reservedRanges().forEach(range -> out.append("  reserved ").append(range).append('\n'));
            enumType.reservedNames().forEach(name -> out.append("  reserved-name ").append(name).append('\n'));
        }
        for (ServiceShape service : services.values()) {
            out.append('\n').append("service ").append(service.fullName()).append('\n')
                    .append("  file ").append(service.file()).append('\n');
            for (MethodShape method : service.methods().values()) {
                out.append("  rpc ").append(method.name()).append(' ').append(method.signature()).append('\n');
            }
        }
        return out.toString();
    }

    static ContractSnapshot parse(String text) {
        Parser parser = new Parser();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].stripTrailing();
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            try {
                parser.accept(line);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Unreadable contract snapshot, line " + (i + 1) + ": '" + line
                        + "' (" + e.getMessage() + "). Restore the file from git, or delete it and regenerate it "
                        + "with -Dasgard.proto.update-snapshot=true.", e);
            }
        }
        return parser.finish();
    }

    /** Reads the text form block by block; a block starts with an unindented line. */
    private static final class Parser {
        private final SortedMap<String, FileShape> files = new TreeMap<>();
        private final SortedMap<String, MessageShape> messages = new TreeMap<>();
        private final SortedMap<String, EnumShape> enums = new TreeMap<>();
        private final SortedMap<String, ServiceShape> services = new TreeMap<>();

        private String kind;
        private String name;
        private final Map<String, String> attributes = new TreeMap<>();
        private final SortedMap<Integer, FieldShape> fields = new TreeMap<>();
        private final SortedMap<String, Integer> values = new TreeMap<>();
        private final SortedMap<String, MethodShape> methods = new TreeMap<>();
        private final SortedSet<NumberRange> reservedRanges = new TreeSet<>();
        private final SortedSet<String> reservedNames = new TreeSet<>();

        void accept(String line) {
            if (!line.startsWith(" ")) {
                flush();
                String[] parts = words(line, 2);
                kind = parts[0];
                name = parts[1];
                if (!List.of("file", "message", "enum", "service").contains(kind)) {
                    throw new IllegalArgumentException("unknown block kind " + kind);
                }
                return;
            }
            if (kind == null) {
                throw new IllegalArgumentException("attribute outside of a block");
            }
            String[] parts = line.strip().split("\\s+");
            switch (parts[0]) {
                case "field" -> {
                    if (parts.length != 5 && parts.length != 6) {
                        throw new IllegalArgumentException("expected: field <number> <name> <label> <type> [oneof=<name>]");
                    }
                    int number = Integer.parseInt(parts[1]);
                    String oneof = parts.length == 6 ? parts[5].substring("oneof=".length()) : "";
                    fields.put(number, new FieldShape(number, parts[2], parts[3], parts[4], oneof));
                }
                case "value" -> {
                    requireLength(parts, 3, "value <number> <name>");
                    values.put(parts[2], Integer.parseInt(parts[1]));
                }
                case "rpc" -> methods.put(parts[1], parseMethod(parts));
                case "reserved" -> {
                    requireLength(parts, 2, "reserved <number>[-<number>]");
                    reservedRanges.add(NumberRange.parse(parts[1]));
                }
                case "reserved-name" -> {
                    requireLength(parts, 2, "reserved-name <name>");
                    reservedNames.add(parts[1]);
                }
                default -> {
                    requireLength(parts, 2, "<attribute> <value>");
                    attributes.put(parts[0], parts[1]);
                }
            }
        }

        private static MethodShape parseMethod(String[] parts) {
            List<String> rest = new ArrayList<>(List.of(parts).subList(2, parts.length));
            boolean clientStreaming = rest.getFirst().equals("stream");
            if (clientStreaming) {
                rest.removeFirst();
            }
            String input = rest.removeFirst();
            if (!rest.removeFirst().equals("->")) {
                throw new IllegalArgumentException("expected: rpc <name> [stream] <input> -> [stream] <output>");
            }
            boolean serverStreaming = rest.getFirst().equals("stream");
            if (serverStreaming) {
                rest.removeFirst();
            }
            if (rest.size() != 1) {
                throw new IllegalArgumentException("expected: rpc <name> [stream] <input> -> [stream] <output>");
            }
            return new MethodShape(parts[1], input, rest.getFirst(), clientStreaming, serverStreaming);
        }

        private static void requireLength(String[] parts, int length, String expected) {
            if (parts.length != length) {
                throw new IllegalArgumentException("expected: " + expected);
            }
        }

        private static String[] words(String line, int count) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length != count) {
                throw new IllegalArgumentException("expected " + count + " words");
            }
            return parts;
        }

        private String attribute(String key) {
            String value = attributes.get(key);
            if (value == null) {
                throw new IllegalArgumentException(kind + " " + name + " lacks '" + key + "'");
            }
            return value;
        }

        private void flush() {
            if (kind == null) {
                return;
            }
            switch (kind) {
                case "file" -> files.put(name, new FileShape(name, attribute("package"), attribute("java_package"),
                        attribute("java_outer_classname"), Boolean.parseBoolean(attribute("java_multiple_files"))));
                case "message" -> messages.put(name, new MessageShape(name, attribute("file"), fields,
                        reservedRanges, reservedNames));
                case "enum" -> enums.put(name, new EnumShape(name, attribute("file"), values, reservedRanges,
                        reservedNames));
                case "service" -> services.put(name, new ServiceShape(name, attribute("file"), methods));
                default -> throw new IllegalStateException(kind);
            }
            kind = null;
            name = null;
            attributes.clear();
            fields.clear();
            values.clear();
            methods.clear();
            reservedRanges.clear();
            reservedNames.clear();
        }

        ContractSnapshot finish() {
            flush();
            return new ContractSnapshot(files, messages, enums, services);
        }
    }
}
