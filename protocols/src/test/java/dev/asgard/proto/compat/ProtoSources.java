package dev.asgard.proto.compat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.google.protobuf.Descriptors.FileDescriptor;

/**
 * Finds the module's .proto files and the descriptors compiled from them. The source tree is the
 * list of what must exist, so a deleted file is noticed even when an old class of it is still
 * lying in target/classes; each file's descriptor comes from its generated outer class
 * ({@code java_package} + {@code java_outer_classname}, which every file must set explicitly).
 */
final class ProtoSources {

    static final String SOURCE_DIR_PROPERTY = "asgard.proto.source-dir";

    private static final Pattern JAVA_PACKAGE = Pattern.compile("^\\s*option\\s+java_package\\s*=\\s*\"([^\"]+)\"\\s*;",
            Pattern.MULTILINE);
    private static final Pattern JAVA_OUTER_CLASSNAME = Pattern
            .compile("^\\s*option\\s+java_outer_classname\\s*=\\s*\"([^\"]+)\"\\s*;", Pattern.MULTILINE);

    /** A .proto file: its path relative to the source root (as protoc names it) and its text. */
    record ProtoFile(String path, Path location, String text) {
    }

    private ProtoSources() {
    }

    static Path sourceDir() {
        return Path.of(System.getProperty(SOURCE_DIR_PROPERTY, "src/main/proto")).toAbsolutePath().normalize();
    }

    static List<ProtoFile> files() {
        Path root = sourceDir();
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("No proto source folder at " + root + " (set -D" + SOURCE_DIR_PROPERTY + ")");
        }
        try (Stream<Path> walk = Files.walk(root)) {
            List<ProtoFile> files = new ArrayList<>();
            for (Path path : walk.filter(p -> p.toString().endsWith(".proto")).sorted().toList()) {
                String relative = root.relativize(path).toString().replace('\\', '/');
                files.add(new ProtoFile(relative, path, Files.readString(path, StandardCharsets.UTF_8)));
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<FileDescriptor> descriptors() {
        return files().stream().map(ProtoSources::descriptor).toList();
    }

    static FileDescriptor descriptor(ProtoFile file) {
        String javaPackage = option(file, JAVA_PACKAGE, "java_package");
        String outerClassname = option(file, JAVA_OUTER_CLASSNAME, "java_outer_classname");
        String className = javaPackage + "." + outerClassname;
        try {
            Method getDescriptor = Class.forName(className).getMethod("getDescriptor");
            FileDescriptor descriptor = (FileDescriptor) getDescriptor.invoke(null);
            if (!descriptor.getName().equals(file.path())) {
                throw new IllegalStateException(className + " describes " + descriptor.getName() + ", not "
                        + file.path() + ": two files share a java_outer_classname?");
            }
            return descriptor;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("No generated class " + className + " for " + file.path()
                    + ": was the module built with the quarkus generate-code goal?", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot read the descriptor of " + file.path() + " from " + className, e);
        }
    }

    private static String option(ProtoFile file, Pattern pattern, String name) {
        Matcher matcher = pattern.matcher(file.text());
        if (!matcher.find()) {
            throw new IllegalStateException(file.path() + " does not set option " + name
                    + "; every Asgard proto file must set it explicitly (see protocols/README.md).");
        }
        return matcher.group(1);
    }
}
