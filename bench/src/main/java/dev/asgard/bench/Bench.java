package dev.asgard.bench;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The benchmark harness: {@code java -jar bench/target/asgard-bench.jar registry [options]}. Each subcommand
 * starts the infrastructure and the service it measures, prints numbers and stops everything again.
 */
@Command(name = "asgard-bench", mixinStandardHelpOptions = true,
        description = "Asgard benchmark harness: prints rates and latency percentiles of a real service.",
        subcommands = {RegistryBench.class, LockBench.class, BackupBench.class})
public final class Bench implements Runnable {

    public static void main(String[] args) {
        exposeManifestClassPath();
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * Started with {@code java -jar}, {@code java.class.path} names only the bench jar, while its libraries are on
     * the manifest's Class-Path. The launcher's process guard ({@code dev.asgard.deploy.process.ManagedProcess})
     * starts its guard JVM with {@code java.class.path}, so the property is widened to the full class path.
     */
    private static void exposeManifestClassPath() {
        try {
            Path jar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(jar)) {
                return;
            }
            List<String> entries = new ArrayList<>(List.of(jar.toString()));
            try (JarFile file = new JarFile(jar.toFile())) {
                String classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
                if (classPath != null) {
                    for (String entry : classPath.trim().split("\\s+")) {
                        entries.add(jar.resolveSibling(entry).toString());
                    }
                }
            }
            System.setProperty("java.class.path", String.join(File.pathSeparator, entries));
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // Run from classes (an IDE, exec:java): java.class.path is complete already.
        }
    }
}
