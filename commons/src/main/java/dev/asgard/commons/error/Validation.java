package dev.asgard.commons.error;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Collects every invalid field of a request and then fails once with all of them, so a caller fixes its
 * request in one round trip instead of one error at a time.
 *
 * <pre>{@code
 * Validation.create()
 *         .notBlank("name", request.getName())
 *         .maxLength("name", request.getName(), 63)
 *         .check(request.getPort() > 0 && request.getPort() < 65536, "port", "must be between 1 and 65535")
 *         .throwIfInvalid();
 * }</pre>
 *
 * <p>Field names are the caller's names: proto field names ({@code page_size}) for gRPC, JSON property
 * names for REST. Not thread-safe; use one instance per request.
 */
public final class Validation {

    private final List<FieldViolation> violations = new ArrayList<>();

    private Validation() {
    }

    /** @return an empty validation */
    public static Validation create() {
        return new Validation();
    }

    /**
     * Records a violation unless the condition holds.
     *
     * @param valid whether the field is valid
     * @param field path of the field
     * @param description what is wrong when it is not valid
     * @return this
     */
    public Validation check(boolean valid, String field, String description) {
        if (!valid) {
            violations.add(new FieldViolation(field, description));
        }
        return this;
    }

    /**
     * Records a violation unconditionally (for checks that do not fit a boolean).
     *
     * @param field path of the field
     * @param description what is wrong
     * @return this
     */
    public Validation add(String field, String description) {
        violations.add(new FieldViolation(field, description));
        return this;
    }

    /**
     * The field must be present.
     *
     * @param field path of the field
     * @param value its value
     * @return this
     */
    public Validation notNull(String field, Object value) {
        return check(value != null, field, "is required");
    }

    /**
     * The field must contain a non-whitespace character. Proto strings are never null but empty when unset,
     * so this is also the "required" check for proto string fields.
     *
     * @param field path of the field
     * @param value its value
     * @return this
     */
    public Validation notBlank(String field, String value) {
        return check(value != null && !value.isBlank(), field, "is required and must not be blank");
    }

    /**
     * The field must have at most {@code max} characters (absent values pass: combine with {@link #notBlank}).
     *
     * @param field path of the field
     * @param value its value
     * @param max the maximum length
     * @return this
     */
    public Validation maxLength(String field, String value, int max) {
        return check(value == null || value.length() <= max, field, "must be at most " + max + " characters long");
    }

    /**
     * The collection must not be empty.
     *
     * @param field path of the field
     * @param values its values
     * @return this
     */
    public Validation notEmpty(String field, Collection<?> values) {
        return check(values != null && !values.isEmpty(), field, "must contain at least one element");
    }

    /** @return whether no violation was recorded */
    public boolean isValid() {
        return violations.isEmpty();
    }

    /** @return the recorded violations */
    public List<FieldViolation> violations() {
        return Collections.unmodifiableList(violations);
    }

    /**
     * Throws one INVALID_ARGUMENT {@link AsgardException} carrying every recorded violation, if there are any.
     *
     * @throws AsgardException with reason {@value AsgardException#REASON_INVALID_ARGUMENT}
     */
    public void throwIfInvalid() {
        if (!violations.isEmpty()) {
            throw AsgardException.invalidArgument(List.copyOf(violations));
        }
    }
}
