package dev.asgard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the numbers were measured on, and how busy it was. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        return "%d cores (%s), %s RAM, %s %s (%s), %s %s".formatted(
                Runtime.getRuntime().availableProcessors(), cpuModel(), memory(),
                System.getProperty("java.vm.vendor"), System.getProperty("java.runtime.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** @return the 1, 5 and 15 minute load averages, as {@code uptime} shows them */
    static String load() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        return grep(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch"));
    }

    private static String memory() {
        return grep(Path.of("/proc/meminfo"), "MemTotal")
                .map(kb -> "%.0f GiB".formatted(Long.parseLong(kb.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
                .orElse("?");
    }

    private static java.util.Optional<String> grep(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.stream().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim());
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
