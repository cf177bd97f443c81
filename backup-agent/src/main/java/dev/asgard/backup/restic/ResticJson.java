package dev.asgard.backup.restic;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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
        return new ResticSnapshot(id, shortId, time == null ? null : Instant.parse(time), text(n, "hostname"),
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
