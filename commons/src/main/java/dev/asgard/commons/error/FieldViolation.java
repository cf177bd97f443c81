package dev.asgard.commons.error;

import java.util.Objects;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One invalid field of a request: travels as a {@code google.rpc.BadRequest.FieldViolation} over gRPC
 * and as an {@code errors[]} entry of a problem over REST.
 *
 * @param field path of the field, dot-separated for nested fields ({@code "address.port"}, {@code "labels[2]"})
 * @param description what is wrong and, ideally, what would be right ({@code "must be between 1 and 65535"})
 */
@RegisterForReflection
public record FieldViolation(String field, String description) {

    /** Checks that both parts are present, so a violation always names a field and a problem. */
    public FieldViolation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(description, "description");
    }

    /**
     * Shorthand for the constructor, reads well in lists: {@code List.of(FieldViolation.of("name", "must not be blank"))}.
     *
     * @param field path of the field
     * @param description what is wrong
     * @return the violation
     */
    public static FieldViolation of(String field, String description) {
        return new FieldViolation(field, description);
    }
}
