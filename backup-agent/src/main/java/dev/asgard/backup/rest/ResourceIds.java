package dev.asgard.backup.rest;

import java.util.UUID;

import dev.asgard.commons.error.AsgardException;

/** Path parameters of the admin REST resources. */
final class ResourceIds {

    private ResourceIds() {
    }

    static UUID repositoryId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw AsgardException.invalidArgument("INVALID_REPOSITORY_ID", "'%s' is not a repository id.", id)
                    .withViolation("id", "must be a UUID");
        }
    }
}
