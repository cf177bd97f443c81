package dev.asgard.backup.rest;

import java.util.UUID;

import dev.asgard.commons.error.AsgardException;
import io.quarkus.security.identity.SecurityIdentity;

/** Parameters, headers and the caller's name, shared by the backup-agent's resources. */
final class RestParams {

    private RestParams() {
    }

    static UUID repositoryId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw AsgardException.invalidArgument("INVALID_REPOSITORY_ID", "'%s' is not a repository id.", id)
                    .withViolation("id", "must be a UUID");
        }
    }

    static boolean bool(String field, String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw AsgardException.invalidArgument("INVALID_ARGUMENT", "'%s' is not true or false.", value)
                    .withViolation(field, "must be true or false");
        };
    }

    static UUID uuid(String field, String value) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_ARGUMENT", "'%s' is not an id.", value)
                    .withViolation(field, "must be a UUID");
        }
    }

    static java.time.Instant instant(String field, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(value).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw AsgardException.invalidArgument("INVALID_ARGUMENT", "'%s' is not a time.", value)
                    .withViolation(field, "must be an ISO-8601 time with offset, such as 2026-11-22T06:00:00Z");
        }
    }

    /**
     * @param key the {@code Idempotency-Key} header, or null
     * @return the key, checked: absent (null) or 1 to 128 characters
     */
    static String idempotencyKey(String key) {
        if (key != null && (key.isBlank() || key.length() > 128)) {
            throw AsgardException.invalidArgument("INVALID_IDEMPOTENCY_KEY",
                    "Idempotency-Key must be 1 to 128 characters.");
        }
        return key;
    }

    /** @return who calls, as run records and the audit name them: the token's principal, or "anonymous" */
    static String caller(SecurityIdentity identity) {
        return identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName();
    }
}
