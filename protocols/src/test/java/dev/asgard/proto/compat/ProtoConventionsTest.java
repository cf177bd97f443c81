package dev.asgard.proto.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;

import dev.asgard.proto.compat.ProtoSources.ProtoFile;

/**
 * The house rules of the contracts (see protocols/README.md), checked on the compiled descriptors
 * and, for comments, on the proto source text.
 */
class ProtoConventionsTest {

    private static final Set<String> AREAS = Set.of("registry", "network", "routing", "lock", "backup", "events", "common");
    private static final Pattern FILE_PATH = Pattern.compile("asgard/([a-z]+)/v1/[a-z0-9_]+\\.proto");
    private static final Pattern DECLARATION = Pattern.compile("^(?:message|enum|service|oneof)\\s+\\w+\\s*\\{"
            + "|^rpc\\s+\\w+"
            + "|^(?:repeated\\s+|optional\\s+)?(?:map<[^>]+>|[A-Za-z_][\\w.]*)\\s+(\\w+)\\s*=\\s*\\d+"
            + "|^[A-Z][A-Z0-9_]*\\s*=\\s*-?\\d+");
    private static final Pattern SECRET_FIELD = Pattern.compile("password|join_token|device_credential|access_token"
            + "|backend_secrets");
    private static final Pattern SECRET_LOOKING = Pattern.compile(".*(password|secret|credential|token).*");
    private static final Pattern NOT_A_SECRET = Pattern.compile(".*(_id|_ids|_names|_set|_time|_before)|fencing_token");
    private static final Pattern EVENT_FILE = Pattern.compile("asgard/events/v1/([a-z]+)_events\\.proto");
    private static final Pattern README_EVENT_ROW = Pattern
            .compile("^\\|\\s*`(\\w+)`\\s*\\|\\s*`([\\w.]+)`\\s*\\|\\s*`([\\w.]+)`\\s*\\|", Pattern.MULTILINE);

    private final List<ProtoFile> sources = ProtoSources.files();
    private final List<FileDescriptor> files = ProtoSources.descriptors();

    @Test
    void theFiveServicesAreDefined() {
        Set<String> services = new HashSet<>();
        files.forEach(file -> file.getServices().forEach(service -> services.add(service.getFullName())));
        assertEquals(Set.of("asgard.registry.v1.RegistryService", "asgard.network.v1.NetworkService",
                "asgard.routing.v1.RoutingService", "asgard.lock.v1.LockService", "asgard.backup.v1.BackupService"),
                services);
    }

    @Test
    void everyFileLivesAtItsPackagePathWithExplicitJavaOptions() {
        List<String> violations = new ArrayList<>();
        Set<String> outerClassnames = new HashSet<>();
        for (FileDescriptor file : files) {
            Matcher path = FILE_PATH.matcher(file.getName());
            if (!path.matches() || !AREAS.contains(path.group(1))) {
                violations.add(file.getName() + ": not under asgard/<area>/v1/ with a known area " + AREAS);
                continue;
            }
            String area = path.group(1);
            check(violations, "proto3".equals(file.toProto().getSyntax()), file.getName() + ": syntax must be proto3");
            check(violations, file.getPackage().equals("asgard." + area + ".v1"),
                    file.getName() + ": package must be asgard." + area + ".v1");
            check(violations, file.getOptions().getJavaMultipleFiles(), file.getName() + ": java_multiple_files = true");
            check(violations, file.getOptions().getJavaPackage().equals("dev.asgard.proto." + area + ".v1"),
                    file.getName() + ": java_package must be dev.asgard.proto." + area + ".v1");
            String outer = file.getOptions().getJavaOuterClassname();
            check(violations, file.getOptions().hasJavaOuterClassname() && outer.endsWith("Proto"),
                    file.getName() + ": java_outer_classname must be set explicitly and end in Proto");
            check(violations, outerClassnames.add(file.getOptions().getJavaPackage() + "." + outer),
                    file.getName() + ": java_outer_classname " + outer + " is used twice");
        }
        assertNoViolations(violations);
    }

    @Test
    void everyEnumStartsWithAPrefixedUnspecifiedZeroValue() {
        List<String> violations = new ArrayList<>();
        for (EnumDescriptor enumType : allEnums()) {
            String prefix = upperSnake(enumType.getName()) + "_";
            check(violations, enumType.getValues().getFirst().getNumber() == 0
                    && enumType.getValues().getFirst().getName().equals(prefix + "UNSPECIFIED"),
                    enumType.getFullName() + ": first value must be " + prefix + "UNSPECIFIED = 0");
            enumType.getValues().forEach(value -> check(violations, value.getName().startsWith(prefix),
                    enumType.getFullName() + "." + value.getName() + ": values must start with " + prefix));
        }
        assertNoViolations(violations);
    }

    @Test
    void everyRpcHasItsOwnRequestAndResponseMessages() {
        List<String> violations = new ArrayList<>();
        Map<String, String> usedBy = new HashMap<>();
        for (ServiceDescriptor service : allServices()) {
            for (MethodDescriptor method : service.getMethods()) {
                String rpc = service.getFullName() + "." + method.getName();
                check(violations, method.getInputType().getName().equals(method.getName() + "Request"),
                        rpc + ": request must be " + method.getName() + "Request");
                check(violations, method.getOutputType().getName().equals(method.getName() + "Response"),
                        rpc + ": response must be " + method.getName() + "Response");
                check(violations, method.getInputType().getFile() == service.getFile()
                        && method.getOutputType().getFile() == service.getFile(),
                        rpc + ": request and response belong in the service's file");
                for (Descriptor message : List.of(method.getInputType(), method.getOutputType())) {
                    String previous = usedBy.putIfAbsent(message.getFullName(), rpc);
                    check(violations, previous == null, message.getFullName() + " is used by " + previous + " and " + rpc);
                }
            }
        }
        assertNoViolations(violations);
    }

    @Test
    void listRpcsUseCursorPagination() {
        List<String> violations = new ArrayList<>();
        for (ServiceDescriptor service : allServices()) {
            for (MethodDescriptor method : service.getMethods()) {
                if (!method.getName().startsWith("List")) {
                    continue;
                }
                String rpc = service.getFullName() + "." + method.getName();
                checkField(violations, rpc, method.getInputType(), "page_size", FieldDescriptor.Type.INT32);
                checkField(violations, rpc, method.getInputType(), "page_token", FieldDescriptor.Type.STRING);
                checkField(violations, rpc, method.getOutputType(), "next_page_token", FieldDescriptor.Type.STRING);
            }
        }
        assertNoViolations(violations);
    }

    @Test
    void updateRpcsTakeAFieldMask() {
        List<String> violations = new ArrayList<>();
        for (ServiceDescriptor service : allServices()) {
            for (MethodDescriptor method : service.getMethods()) {
                if (method.getName().startsWith("Update")) {
                    FieldDescriptor mask = method.getInputType().findFieldByName("update_mask");
                    check(violations, mask != null && mask.getType() == FieldDescriptor.Type.MESSAGE
                            && mask.getMessageType().getFullName().equals("google.protobuf.FieldMask"),
                            service.getFullName() + "." + method.getName()
                                    + ": needs google.protobuf.FieldMask update_mask");
                }
            }
        }
        assertNoViolations(violations);
    }

    @Test
    void timesAndDurationsUseWellKnownTypes() {
        List<String> violations = new ArrayList<>();
        for (Descriptor message : allMessages()) {
            for (FieldDescriptor field : message.getFields()) {
                String name = message.getFullName() + "." + field.getName();
                boolean timestamp = field.getType() == FieldDescriptor.Type.MESSAGE
                        && field.getMessageType().getFullName().equals("google.protobuf.Timestamp");
                if (field.getName().endsWith("_time")) {
                    check(violations, timestamp, name + ": *_time fields are google.protobuf.Timestamp");
                }
                check(violations, !field.getName().matches(".*_(seconds|secs|millis|ms|at|timestamp)"),
                        name + ": use google.protobuf.Timestamp (*_time) or google.protobuf.Duration instead");
            }
        }
        assertNoViolations(violations);
    }

    @Test
    void everyServiceRpcMessageFieldAndEnumValueHasAComment() {
        List<String> violations = new ArrayList<>();
        for (ProtoFile file : sources) {
            String[] lines = file.text().split("\n");
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i].strip();
                if (DECLARATION.matcher(line).find() && !line.contains("//") && !previousLineIsComment(lines, i)) {
                    violations.add(file.path() + ":" + (i + 1) + ": no comment on '" + line + "'");
                }
            }
        }
        assertNoViolations(violations);
    }

    @Test
    void secretFieldsAreDocumentedAsSecretOrWriteOnly() {
        List<String> violations = new ArrayList<>();
        int secrets = 0;
        for (ProtoFile file : sources) {
            String[] lines = file.text().split("\n");
            for (int i = 0; i < lines.length; i++) {
                Matcher declaration = DECLARATION.matcher(lines[i].strip());
                if (declaration.find() && declaration.group(1) != null && SECRET_FIELD.matcher(declaration.group(1)).matches()) {
                    secrets++;
                    String comment = commentAbove(lines, i).toLowerCase(Locale.ROOT);
                    check(violations, comment.contains("write-only") || comment.contains("secret"),
                            file.path() + ":" + (i + 1) + ": say in the comment that '" + declaration.group(1)
                                    + "' is write-only or secret");
                }
            }
        }
        assertTrue(secrets >= 8, "expected the secret fields of the contracts to be found, found " + secrets);
        assertNoViolations(violations);
    }

    @Test
    void everyEventCarriesItsEntityIdAndTheTimeOfTheChange() {
        List<String> violations = new ArrayList<>();
        for (Descriptor event : events()) {
            FieldDescriptor id = event.findFieldByNumber(1);
            check(violations, id != null && id.getType() == FieldDescriptor.Type.STRING && !id.isRepeated()
                    && id.getName().matches(".*_(id|name)"),
                    event.getFullName() + ": field 1 must be the entity id (string *_id or *_name)");
            FieldDescriptor time = event.findFieldByNumber(2);
            check(violations, time != null && time.getName().equals("change_time")
                    && time.getType() == FieldDescriptor.Type.MESSAGE
                    && time.getMessageType().getFullName().equals("google.protobuf.Timestamp"),
                    event.getFullName() + ": field 2 must be google.protobuf.Timestamp change_time");
        }
        assertNoViolations(violations);
    }

    @Test
    void noEventCarriesASecret() {
        List<String> violations = new ArrayList<>();
        for (Descriptor event : events()) {
            collectSecrets(event, event.getFullName(), new HashSet<>(), violations);
        }
        assertNoViolations(violations);
    }

    @Test
    void everyEventHasItsTopicAndCeTypeInItsFileHeaderAndInTheReadme() throws IOException {
        List<String> violations = new ArrayList<>();
        Map<String, String[]> readme = readmeEventTable();
        Set<String> ceTypes = new HashSet<>();
        Set<String> eventNames = new HashSet<>();
        for (FileDescriptor file : files) {
            Matcher eventFile = EVENT_FILE.matcher(file.getName());
            if (!eventFile.matches()) {
                continue;
            }
            String area = eventFile.group(1);
            String topic = "asgard." + area + ".events";
            String text = sources.stream().filter(s -> s.path().equals(file.getName())).findFirst().orElseThrow().text();
            check(violations, text.contains("// Topic: " + topic), file.getName() + ": header must say '// Topic: " + topic + "'");
            for (Descriptor event : file.getMessageTypes()) {
                eventNames.add(event.getName());
                Matcher header = Pattern.compile("^//\\s+" + event.getName() + "\\s+(\\S+)\\s*$", Pattern.MULTILINE)
                        .matcher(text);
                if (!header.find()) {
                    violations.add(file.getName() + ": header lists no ce_type for " + event.getName());
                    continue;
                }
                String ceType = header.group(1);
                check(violations, ceType.matches("asgard\\." + area + "\\.[a-z_]+\\.[a-z_]+"),
                        event.getName() + ": ce_type " + ceType + " must be asgard." + area + ".<entity>.<action>");
                check(violations, ceTypes.add(ceType), "ce_type " + ceType + " is used twice");
                check(violations, text.contains("ce_type `" + ceType + "`"),
                        event.getName() + ": its own comment must say ce_type `" + ceType + "`");
                String[] row = readme.get(event.getName());
                check(violations, row != null && row[0].equals(topic) && row[1].equals(ceType),
                        "protocols/README.md: the event table needs | `" + event.getName() + "` | `" + topic + "` | `"
                                + ceType + "` |");
            }
        }
        readme.keySet().stream().filter(name -> !eventNames.contains(name))
                .forEach(name -> violations.add("protocols/README.md lists an event that does not exist: " + name));
        assertTrue(eventNames.size() >= 30, "expected every event of ARCHITECTURE.md section 4, found " + eventNames);
        assertNoViolations(violations);
    }

    // ---------------------------------------------------------------- helpers

    private static boolean previousLineIsComment(String[] lines, int index) {
        for (int i = index - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (!line.isEmpty()) {
                return line.startsWith("//");
            }
        }
        return false;
    }

    private static String commentAbove(String[] lines, int index) {
        StringBuilder comment = new StringBuilder();
        for (int i = index - 1; i >= 0 && lines[i].strip().startsWith("//"); i--) {
            comment.insert(0, lines[i].strip() + "\n");
        }
        return comment.toString();
    }

    private void collectSecrets(Descriptor message, String path, Set<String> visited, List<String> violations) {
        if (!visited.add(message.getFullName())) {
            return;
        }
        for (FieldDescriptor field : message.getFields()) {
            String fieldPath = path + "." + field.getName();
            String name = field.getName();
            if (SECRET_LOOKING.matcher(name).matches() && !NOT_A_SECRET.matcher(name).matches()) {
                violations.add(fieldPath + ": looks like a secret, which must never be in an event");
            }
            if (field.getType() == FieldDescriptor.Type.MESSAGE) {
                collectSecrets(field.getMessageType(), fieldPath, visited, violations);
            }
        }
    }

    private Map<String, String[]> readmeEventTable() throws IOException {
        Path readme = Path.of(System.getProperty("asgard.proto.readme", "README.md"));
        Matcher row = README_EVENT_ROW.matcher(Files.readString(readme, StandardCharsets.UTF_8));
        Map<String, String[]> table = new TreeMap<>();
        while (row.find()) {
            table.put(row.group(1), new String[] { row.group(2), row.group(3) });
        }
        return table;
    }

    private List<Descriptor> events() {
        return files.stream().filter(file -> file.getPackage().equals("asgard.events.v1"))
                .flatMap(file -> file.getMessageTypes().stream()).toList();
    }

    private List<ServiceDescriptor> allServices() {
        return files.stream().flatMap(file -> file.getServices().stream()).toList();
    }

    private List<Descriptor> allMessages() {
        List<Descriptor> messages = new ArrayList<>();
        files.forEach(file -> file.getMessageTypes().forEach(message -> addWithNested(message, messages)));
        return messages;
    }

    private static void addWithNested(Descriptor message, List<Descriptor> messages) {
        messages.add(message);
        message.getNestedTypes().forEach(nested -> addWithNested(nested, messages));
    }

    private List<EnumDescriptor> allEnums() {
        List<EnumDescriptor> enums = new ArrayList<>();
        files.forEach(file -> enums.addAll(file.getEnumTypes()));
        allMessages().forEach(message -> enums.addAll(message.getEnumTypes()));
        return enums;
    }

    private static void checkField(List<String> violations, String rpc, Descriptor message, String name,
            FieldDescriptor.Type type) {
        FieldDescriptor field = message.findFieldByName(name);
        check(violations, field != null && field.getType() == type && !field.isRepeated(),
                rpc + ": " + message.getName() + " needs " + type.name().toLowerCase(Locale.ROOT) + " " + name);
    }

    static String upperSnake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("([A-Z])([A-Z][a-z])", "$1_$2")
                .toUpperCase(Locale.ROOT);
    }

    private static void check(List<String> violations, boolean condition, String violation) {
        if (!condition) {
            violations.add(violation);
        }
    }

    private static void assertNoViolations(List<String> violations) {
        assertTrue(violations.isEmpty(), violations.size() + " violation(s) of the contract conventions "
                + "(see protocols/README.md):\n  " + String.join("\n  ", violations));
    }
}
