package dev.asgard.backup.restic;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Parses restic's JSON output. Reads fields by name and ignores the rest, so newer restic versions that add
 * fields (or wrap errors differently) still parse; missing numbers are 0.
 */
public final class ResticJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ResticJson() {
    }

    /**
     * @param json output of {@code restic snapshots --json} (an array; restic 0.17 {@code --group-by} gives
     *        groups with a "snapshots" array, also accepted)
     * @return the snapshots
     */
    public static List<ResticSnapshot> snapshots(String json) {
        JsonNode root = tree(json);
        List<ResticSnapshot> out = new ArrayList<>();
        if (root == null || !root.isArray()) {
            return out;
        }
        for (JsonNode n : root) {
            if (n.has("snapshots") && n.get("snapshots").isArray()) {
                n.get("snapshots").forEach(s -> out.add(snapshot(s)));
            } else {
                out.add(snapshot(n));
            }
        }
        return out;
    }

    private static ResticSnapshot snapshot(JsonNode n) {
        String id = text(n, "id");
        String shortId = text(n, "short_id");
        if (shortId == null && id != null) {
            shortId = id.substring(0, Math.min(8, id.length()));
        }
        String time = text(n, "time");
        return new ResticSnapshot(id, shortId, time == null ? null : java.time.OffsetDateTime.parse(time).toInstant(), text(n, "hostname"),
                text(n, "username"), strings(n, "paths"), strings(n, "tags"), text(n, "parent"), text(n, "tree"));
    }

    /**
     * @param json output of {@code restic stats --json}
     * @return the statistics
     */
    public static ResticStats stats(String json) {
        JsonNode n = tree(json);
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("restic stats printed no JSON object");
        }
        return new ResticStats(n.path("total_size").asLong(), n.path("total_file_count").asLong(),
                n.path("snapshots_count").asLong(), n.path("total_uncompressed_size").asLong(),
                n.path("compression_ratio").asDouble(), n.path("total_blob_count").asLong());
    }

    /**
     * @param line one stdout line of {@code restic backup --json}
     * @return the message; {@link BackupMessage.Other} for unknown types and non-JSON lines
     */
    public static BackupMessage backupLine(String line) {
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            return new BackupMessage.Other(line);
        }
        if (n == null || !n.isObject()) {
            return new BackupMessage.Other(line);
        }
        return switch (n.path("message_type").asText("")) {
            case "status" -> new BackupMessage.Status(n.path("percent_done").asDouble(),
                    n.path("total_files").asLong(), n.path("files_done").asLong(), n.path("total_bytes").asLong(),
                    n.path("bytes_done").asLong(), n.path("seconds_elapsed").asLong(),
                    n.path("seconds_remaining").asLong(), strings(n, "current_files"),
                    n.path("error_count").asLong());
            case "summary" -> new BackupMessage.Summary(n.path("files_new").asLong(),
                    n.path("files_changed").asLong(), n.path("files_unmodified").asLong(),
                    n.path("dirs_new").asLong(), n.path("dirs_changed").asLong(), n.path("dirs_unmodified").asLong(),
                    n.path("data_blobs").asLong(), n.path("tree_blobs").asLong(), n.path("data_added").asLong(),
                    n.path("total_files_processed").asLong(), n.path("total_bytes_processed").asLong(),
                    n.path("total_duration").asDouble(), text(n, "snapshot_id"));
            case "error" -> new BackupMessage.Error(text(n, "item"), text(n, "during"), errorText(n.get("error")));
            default -> new BackupMessage.Other(line);
        };
    }

    private static final java.util.regex.Pattern VERIFIED =
            java.util.regex.Pattern.compile("^finished verifying (\\d+) files");

    /**
     * @param line one stdout line of {@code restic restore --json}
     * @return the parsed message; {@link RestoreMessage.Other} for lines of unknown type and plain text
     */
    public static RestoreMessage restoreLine(String line) {
        JsonNode n = lineObject(line);
        if (n == null) {
            java.util.regex.Matcher m = VERIFIED.matcher(line.strip());
            return m.find() ? new RestoreMessage.Verified(Long.parseLong(m.group(1))) : new RestoreMessage.Other(line);
        }
        return switch (n.path("message_type").asText("")) {
            case "status" -> new RestoreMessage.Status(n.path("percent_done").asDouble(),
                    n.path("total_files").asLong(), n.path("files_restored").asLong(),
                    n.path("files_skipped").asLong(), n.path("total_bytes").asLong(),
                    n.path("bytes_restored").asLong(), n.path("seconds_elapsed").asLong());
            case "summary" -> new RestoreMessage.Summary(n.path("total_files").asLong(),
                    n.path("files_restored").asLong(), n.path("files_skipped").asLong(),
                    n.path("total_bytes").asLong(), n.path("bytes_restored").asLong(),
                    n.path("seconds_elapsed").asLong());
            case "error" -> new RestoreMessage.Error(text(n, "item"), errorText(n.get("error")));
            default -> new RestoreMessage.Other(line);
        };
    }

    /**
     * @param lines stdout of {@code restic ls --json} (one object a line: the snapshot, then its nodes; restic
     *        0.14 marks them with {@code struct_type}, newer versions also with {@code message_type})
     * @return the snapshot (null when restic printed none) and the nodes in restic's order
     */
    public static ResticTree tree(List<String> lines) {
        ResticSnapshot snapshot = null;
        List<ResticNode> nodes = new ArrayList<>();
        for (String line : lines) {
            JsonNode n = lineObject(line);
            if (n == null) {
                continue;
            }
            String kind = n.hasNonNull("message_type") ? n.get("message_type").asText()
                    : n.path("struct_type").asText("");
            if ("snapshot".equals(kind)) {
                snapshot = snapshot(n);
            } else if ("node".equals(kind)) {
                nodes.add(node(n));
            }
        }
        return new ResticTree(snapshot, nodes);
    }

    private static ResticNode node(JsonNode n) {
        return new ResticNode(text(n, "name"), text(n, "path"), n.path("type").asText(""), n.path("size").asLong(),
                unixMode(n.path("mode").asLong()), instant(n, "mtime"), instant(n, "atime"), instant(n, "ctime"),
                n.path("uid").asLong(), n.path("gid").asLong(), text(n, "user"), text(n, "group"),
                text(n, "linktarget"));
    }

    /** Go's os.FileMode (type bits high, setuid 1<<23, setgid 1<<22, sticky 1<<20) to Unix mode bits. */
    static int unixMode(long goMode) {
        int mode = (int) (goMode & 0777);
        if ((goMode & (1L << 23)) != 0) {
            mode |= 04000;
        }
        if ((goMode & (1L << 22)) != 0) {
            mode |= 02000;
        }
        if ((goMode & (1L << 20)) != 0) {
            mode |= 01000;
        }
        return mode;
    }

    /**
     * @param lines stdout of {@code restic diff --json}: {@code change} lines and one {@code statistics} line
     * @return the changes and totals
     */
    public static ResticDiff diff(List<String> lines) {
        List<ResticDiff.Change> changes = new ArrayList<>();
        ResticDiff.Stats stats = ResticDiff.Stats.NONE;
        for (String line : lines) {
            JsonNode n = lineObject(line);
            if (n == null) {
                continue;
            }
            switch (n.path("message_type").asText("")) {
                case "change" -> changes.add(new ResticDiff.Change(text(n, "path"), n.path("modifier").asText("")));
                case "statistics" -> stats = new ResticDiff.Stats(n.path("changed_files").asLong(),
                        n.path("added").path("files").asLong(), n.path("removed").path("files").asLong(),
                        n.path("added").path("dirs").asLong(), n.path("removed").path("dirs").asLong(),
                        n.path("added").path("bytes").asLong(), n.path("removed").path("bytes").asLong());
                default -> {
                    // unknown message types of newer versions
                }
            }
        }
        return new ResticDiff(changes, stats);
    }

    /**
     * @param json output of {@code restic forget --json} (an array of groups; text of a following prune may
     *        come after it)
     * @return the groups
     */
    public static List<ResticForgetGroup> forget(String json) {
        JsonNode root = tree(json);
        List<ResticForgetGroup> out = new ArrayList<>();
        if (root == null || !root.isArray()) {
            return out;
        }
        for (JsonNode g : root) {
            List<ResticSnapshot> keep = new ArrayList<>();
            g.path("keep").forEach(s -> keep.add(snapshot(s)));
            List<ResticSnapshot> remove = new ArrayList<>();
            g.path("remove").forEach(s -> remove.add(snapshot(s)));
            Map<String, List<String>> reasons = new LinkedHashMap<>();
            JsonNode rs = g.path("reasons");
            for (int i = 0; i < rs.size(); i++) {
                JsonNode r = rs.get(i);
                String id = reasonSnapshotId(r.path("snapshot"), keep, i);
                if (id != null) {
                    reasons.put(id, strings(r, "matches"));
                }
            }
            out.add(new ResticForgetGroup(text(g, "host"), strings(g, "tags"), strings(g, "paths"), keep, remove,
                    reasons));
        }
        return out;
    }

    // restic 0.14 writes the reason's snapshot without its id; newer versions include it. Without an id, the
    // reason belongs to the kept snapshot with the same time (restic lists reasons in the order of "keep").
    private static String reasonSnapshotId(JsonNode s, List<ResticSnapshot> keep, int index) {
        String id = text(s, "id");
        if (id != null) {
            return id;
        }
        Instant time = instant(s, "time");
        String tree = text(s, "tree");
        for (ResticSnapshot k : keep) {
            if (k.time() != null && k.time().equals(time) && (tree == null || tree.equals(k.tree()))) {
                return k.id();
            }
        }
        return index < keep.size() ? keep.get(index).id() : null;
    }

    /**
     * @param id the lock id
     * @param json output of {@code restic cat lock <id>}
     * @return the lock
     */
    public static ResticLock lock(String id, String json) {
        JsonNode n = tree(json);
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("restic cat lock printed no JSON object");
        }
        return new ResticLock(id, instant(n, "time"), n.path("exclusive").asBoolean(), text(n, "hostname"),
                text(n, "username"), n.path("pid").asLong());
    }

    /**
     * @param output what {@code restic check} printed (stdout and stderr)
     * @return the reported errors: at most 100 lines of at most 1024 characters, without progress lines, retry
     *         notices and the final "Fatal" line
     */
    public static List<String> checkErrors(String output) {
        List<String> errors = new ArrayList<>();
        for (String raw : output.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("Fatal:") || line.startsWith("[") || line.contains(" returned error, retrying after ")
                    || CHECK_PROGRESS.stream().anyMatch(line::startsWith)) {
                continue;
            }
            if (line.startsWith("{")) {
                // restic 0.18+ check --json would print objects; keep their message only
                JsonNode n = lineObject(line);
                if (n == null || !"error".equals(n.path("message_type").asText())) {
                    continue;
                }
                line = errorText(n.get("error")).isEmpty() ? n.toString() : errorText(n.get("error"));
            }
            errors.add(line.length() > 1024 ? line.substring(0, 1024) : line);
            if (errors.size() == 100) {
                break;
            }
        }
        return errors;
    }

    private static final List<String> CHECK_PROGRESS = List.of("using temporary cache", "create exclusive lock",
            "load indexes", "check all packs", "check snapshots", "no errors were found", "read ", "loading indexes",
            "checking", "created new cache", "repository ", "[");

    private static final Pattern TOTAL_PRUNE = Pattern.compile(
            "total prune:\\s+\\d+ blobs / ([0-9.]+) ([KMGTP]?i?B)");

    /**
     * @param output what {@code restic forget --prune} or {@code prune} printed
     * @return the bytes prune freed ("total prune: 5 blobs / 968 B"), 0 when not printed
     */
    public static long prunedBytes(String output) {
        Matcher m = TOTAL_PRUNE.matcher(output);
        if (!m.find()) {
            return 0;
        }
        double value = Double.parseDouble(m.group(1));
        int power = switch (m.group(2).charAt(0)) {
            case 'K' -> 1;
            case 'M' -> 2;
            case 'G' -> 3;
            case 'T' -> 4;
            case 'P' -> 5;
            default -> 0;
        };
        return Math.round(value * Math.pow(1024, power));
    }

    private static JsonNode lineObject(String line) {
        String s = line.strip();
        if (!s.startsWith("{")) {
            return null;
        }
        try {
            JsonNode n = MAPPER.readTree(s);
            return n != null && n.isObject() ? n : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static Instant instant(JsonNode n, String field) {
        String v = text(n, field);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(v).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static String errorText(JsonNode error) {
        if (error == null || error.isNull()) {
            return "";
        }
        if (error.isTextual()) {
            return error.asText();
        }
        // restic 0.16+: {"message": "..."}; 0.14 serialises Go errors, often as {} or {"Op":..,"Path":..,"Err":..}.
        if (error.has("message")) {
            return error.get("message").asText();
        }
        return error.isEmpty() ? "" : error.toString();
    }

    private static JsonNode tree(String json) {
        try {
            // restic may print non-JSON lines before the document (e.g. cache notices on stdout in old versions).
            int start = firstJson(json);
            return start < 0 ? null : MAPPER.readTree(json.substring(start));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("restic printed invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static int firstJson(String json) {
        for (String prefix : new String[] {"[", "{"}) {
            if (json.stripLeading().startsWith(prefix)) {
                return json.indexOf(prefix);
            }
        }
        int a = json.indexOf("\n[");
        int o = json.indexOf("\n{");
        if (a < 0 && o < 0) {
            return -1;
        }
        return (a < 0 ? o : o < 0 ? a : Math.min(a, o)) + 1;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static List<String> strings(JsonNode n, String field) {
        JsonNode v = n.get(field);
        List<String> out = new ArrayList<>();
        if (v != null && v.isArray()) {
            v.forEach(e -> out.add(e.asText()));
        }
        return out;
    }
}
