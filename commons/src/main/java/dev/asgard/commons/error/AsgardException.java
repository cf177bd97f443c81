package dev.asgard.commons.error;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one exception Asgard code throws for an expected failure. It carries everything both wire
 * formats need, so a service throws it once and the gRPC handler ({@link GrpcErrors}) and the REST
 * mappers ({@link ProblemExceptionMappers}) render it:
 * <ul>
 * <li>a {@link ErrorCategory category}, which fixes the gRPC code and the HTTP status;</li>
 * <li>a stable machine-readable {@code reason} in UPPER_SNAKE_CASE ({@code DEVICE_NOT_FOUND}), sent as
 * {@code google.rpc.ErrorInfo.reason} and as the problem's {@code reason} and {@code type};</li>
 * <li>a human {@code detail} (the exception message) and an optional {@code hint}: what the caller can
 * do about it;</li>
 * <li>field violations for invalid input, optional metadata (sent as {@code ErrorInfo.metadata}) and an
 * optional retry delay.</li>
 * </ul>
 *
 * <pre>{@code
 * throw AsgardException.notFound("DEVICE_NOT_FOUND", "No device with id %s", id)
 *         .withHint("List devices with GET /api/v1/devices to find the right id.")
 *         .withMetadata("deviceId", id);
 * }</pre>
 *
 * <p>The {@code with...} methods change this instance and return it: configure the exception where it is
 * created, before throwing it, and never share an instance between threads.
 */
public class AsgardException extends RuntimeException {

    /** The {@code google.rpc.ErrorInfo.domain} of every Asgard error. */
    public static final String DOMAIN = "asgard.dev";

    /** Reason of a generic invalid-input failure (for example from {@link Validation}). */
    public static final String REASON_INVALID_ARGUMENT = "INVALID_ARGUMENT";

    /** Reason of an unexpected failure; never more specific, so nothing internal leaks. */
    public static final String REASON_INTERNAL = "INTERNAL";

    /** Metadata key carrying the id under which an internal failure was logged. */
    public static final String METADATA_CORRELATION_ID = "correlationId";

    private static final long serialVersionUID = 1L;

    // ErrorInfo documents reasons as UPPER_SNAKE_CASE of at most 63 characters, metadata keys as
    // lowerCamel/kebab identifiers of at most 64; enforcing both keeps clients' switch statements safe.
    private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,62}");
    private static final Pattern METADATA_KEY = Pattern.compile("[a-z][a-zA-Z0-9_-]{0,63}");

    private final ErrorCategory category;
    private final String reason;
    private String hint;
    private final List<FieldViolation> violations = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private Duration retryAfter;

    /**
     * Creates an exception; prefer the static factories, which read better at the call site.
     *
     * @param category what kind of failure this is
     * @param reason stable UPPER_SNAKE_CASE reason, e.g. {@code DEVICE_NOT_FOUND}
     * @param detail human explanation of this occurrence
     * @throws IllegalArgumentException if the reason is not UPPER_SNAKE_CASE
     */
    public AsgardException(ErrorCategory category, String reason, String detail) {
        super(detail == null ? category.title() : detail);
        this.category = Objects.requireNonNull(category, "category");
        this.reason = requireReason(reason);
    }

    /**
     * The general factory behind the named ones.
     *
     * @param category what kind of failure this is
     * @param reason stable UPPER_SNAKE_CASE reason
     * @param detailFormat {@link String#format} pattern of the detail
     * @param args its arguments
     * @return the exception, to configure further and throw
     */
    public static AsgardException of(ErrorCategory category, String reason, String detailFormat, Object... args) {
        return new AsgardException(category, reason, format(detailFormat, args));
    }

    /**
     * The addressed entity does not exist (gRPC NOT_FOUND, HTTP 404).
     *
     * @param reason stable reason, e.g. {@code DEVICE_NOT_FOUND}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException notFound(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.NOT_FOUND, reason, detailFormat, args);
    }

    /**
     * The request is invalid (gRPC INVALID_ARGUMENT, HTTP 400).
     *
     * @param reason stable reason, e.g. {@code INVALID_PAGE_TOKEN}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException invalidArgument(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.INVALID_ARGUMENT, reason, detailFormat, args);
    }

    /**
     * One or more fields of the request are invalid (gRPC INVALID_ARGUMENT with {@code BadRequest}, HTTP 400
     * with {@code errors[]}); reason {@value #REASON_INVALID_ARGUMENT}.
     *
     * @param violations the invalid fields, at least one
     * @return the exception
     */
    public static AsgardException invalidArgument(List<FieldViolation> violations) {
        if (violations == null || violations.isEmpty()) {
            throw new IllegalArgumentException("invalidArgument needs at least one field violation");
        }
        List<String> fields = violations.stream().map(FieldViolation::field).distinct().toList();
        String detail = fields.size() == 1
                ? "The request has an invalid field: " + fields.get(0) + "."
                : "The request has " + fields.size() + " invalid fields: " + String.join(", ", fields) + ".";
        return new AsgardException(ErrorCategory.INVALID_ARGUMENT, REASON_INVALID_ARGUMENT, detail)
                .withViolations(violations)
                .withHint("Correct the listed fields and send the request again.");
    }

    /**
     * The entity to create already exists (gRPC ALREADY_EXISTS, HTTP 409).
     *
     * @param reason stable reason, e.g. {@code NETWORK_NAME_TAKEN}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException alreadyExists(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.ALREADY_EXISTS, reason, detailFormat, args);
    }

    /**
     * The system is not in the state the operation needs (gRPC FAILED_PRECONDITION, HTTP 409).
     *
     * @param reason stable reason, e.g. {@code NETWORK_NOT_EMPTY}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException failedPrecondition(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.FAILED_PRECONDITION, reason, detailFormat, args);
    }

    /**
     * The caller may not do this (gRPC PERMISSION_DENIED, HTTP 403).
     *
     * @param reason stable reason, e.g. {@code DEVICE_ACTS_FOR_ANOTHER}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException permissionDenied(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.PERMISSION_DENIED, reason, detailFormat, args);
    }

    /**
     * The caller's credentials are missing or invalid (gRPC UNAUTHENTICATED, HTTP 401).
     *
     * @param reason stable reason, e.g. {@code DEVICE_TOKEN_EXPIRED}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException unauthenticated(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.UNAUTHENTICATED, reason, detailFormat, args);
    }

    /**
     * A quota or rate limit is exhausted (gRPC RESOURCE_EXHAUSTED, HTTP 429).
     *
     * @param reason stable reason, e.g. {@code ENROLMENT_RATE_LIMITED}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception; add {@link #withRetryAfter(Duration)} when the wait is known
     */
    public static AsgardException resourceExhausted(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.RESOURCE_EXHAUSTED, reason, detailFormat, args);
    }

    /**
     * A concurrent change won (gRPC ABORTED, HTTP 409); the caller should re-read and retry.
     *
     * @param reason stable reason, e.g. {@code CONCURRENT_MODIFICATION}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException aborted(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.ABORTED, reason, detailFormat, args);
    }

    /**
     * The operation is not implemented (gRPC UNIMPLEMENTED, HTTP 501).
     *
     * @param reason stable reason
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException unimplemented(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.UNIMPLEMENTED, reason, detailFormat, args);
    }

    /**
     * A dependency is unavailable (gRPC UNAVAILABLE, HTTP 503); the caller may retry.
     *
     * @param reason stable reason, e.g. {@code REGISTRY_UNAVAILABLE}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException unavailable(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.UNAVAILABLE, reason, detailFormat, args);
    }

    /**
     * The operation did not complete in time (gRPC DEADLINE_EXCEEDED, HTTP 504).
     *
     * @param reason stable reason
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException deadlineExceeded(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.DEADLINE_EXCEEDED, reason, detailFormat, args);
    }

    /**
     * An internal failure the service detected itself (gRPC INTERNAL, HTTP 500). The detail IS sent to the
     * caller, so keep it free of internals; the cause is only logged.
     *
     * @param reason stable reason, e.g. {@code SIGNING_KEY_UNAVAILABLE}
     * @param detailFormat detail pattern
     * @param args its arguments
     * @return the exception
     */
    public static AsgardException internal(String reason, String detailFormat, Object... args) {
        return of(ErrorCategory.INTERNAL, reason, detailFormat, args);
    }

    /**
     * Sets what the caller can do about the failure ("Create a new join token and enrol again.").
     *
     * @param hint one or two sentences for a human
     * @return this exception
     */
    public AsgardException withHint(String hint) {
        this.hint = hint;
        return this;
    }

    /**
     * Adds one field violation.
     *
     * @param field path of the invalid field
     * @param description what is wrong
     * @return this exception
     */
    public AsgardException withViolation(String field, String description) {
        violations.add(new FieldViolation(field, description));
        return this;
    }

    /**
     * Adds field violations.
     *
     * @param fieldViolations the violations to add
     * @return this exception
     */
    public AsgardException withViolations(List<FieldViolation> fieldViolations) {
        fieldViolations.forEach(v -> violations.add(Objects.requireNonNull(v, "violation")));
        return this;
    }

    /**
     * Adds a metadata entry, sent as {@code ErrorInfo.metadata} and as the problem's {@code metadata}. Never put
     * secrets here.
     *
     * @param key lowerCamelCase key, e.g. {@code deviceId}
     * @param value its value
     * @return this exception
     * @throws IllegalArgumentException if the key is not a lowerCamelCase/kebab identifier
     */
    public AsgardException withMetadata(String key, String value) {
        if (key == null || !METADATA_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("Error metadata keys must match " + METADATA_KEY + ": " + key);
        }
        metadata.put(key, String.valueOf(value));
        return this;
    }

    /**
     * Says when the caller may retry; sent as {@code google.rpc.RetryInfo} and as the HTTP {@code Retry-After}
     * header.
     *
     * @param delay how long to wait before retrying
     * @return this exception
     */
    public AsgardException withRetryAfter(Duration delay) {
        this.retryAfter = delay;
        return this;
    }

    /**
     * Records the underlying failure for the logs; it is never sent to the caller.
     *
     * @param cause the underlying failure
     * @return this exception
     */
    public AsgardException withCause(Throwable cause) {
        initCause(cause);
        return this;
    }

    /** @return the category, which fixes the gRPC code and HTTP status */
    public ErrorCategory category() {
        return category;
    }

    /** @return the stable UPPER_SNAKE_CASE reason */
    public String reason() {
        return reason;
    }

    /** @return the human detail (the same as {@link #getMessage()}) */
    public String detail() {
        return getMessage();
    }

    /** @return what the caller can do about it, if known */
    public Optional<String> hint() {
        return Optional.ofNullable(hint);
    }

    /** @return the field violations, empty unless the input was invalid */
    public List<FieldViolation> violations() {
        return Collections.unmodifiableList(violations);
    }

    /** @return the metadata, in insertion order */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** @return when the caller may retry, if known */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + category + "/" + reason + "]: " + getMessage();
    }

    /**
     * Whether a string is a well-formed reason: UPPER_SNAKE_CASE, at most 63 characters.
     *
     * @param reason a candidate reason
     * @return whether it may be used as a reason
     */
    public static boolean isValidReason(String reason) {
        return reason != null && REASON.matcher(reason).matches();
    }

    private static String requireReason(String reason) {
        if (reason == null || !REASON.matcher(reason).matches()) {
            throw new IllegalArgumentException("Error reasons must be UPPER_SNAKE_CASE (" + REASON + "): " + reason);
        }
        return reason;
    }

    private static String format(String pattern, Object... args) {
        if (pattern == null) {
            return null;
        }
        return args == null || args.length == 0 ? pattern : String.format(Locale.ROOT, pattern, args);
    }
}
