package dev.asgard.commons.error;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The body of every Asgard REST error: an RFC 9457 problem document ({@value #MEDIA_TYPE}) with Asgard's
 * extension members.
 *
 * <pre>{@code
 * {
 *   "type": "https://asgard.dev/problems/device-not-found",
 *   "title": "Not found",
 *   "status": 404,
 *   "detail": "No device with id 4f1c...",
 *   "instance": "/api/v1/devices/4f1c...",
 *   "hint": "List devices with GET /api/v1/devices to find the right id.",
 *   "reason": "DEVICE_NOT_FOUND",
 *   "errors": [ { "field": "name", "message": "is required" } ]
 * }
 * }</pre>
 *
 * @param type URI identifying the problem type, derived from the reason ({@link #typeFor(String)})
 * @param title short summary of the problem type
 * @param status the HTTP status, repeated for clients that only see the body
 * @param detail explanation of this occurrence
 * @param instance the request path that failed
 * @param hint what the caller can do about it (extension member)
 * @param reason the stable reason, the same as gRPC's {@code ErrorInfo.reason} (extension member)
 * @param errors field violations of invalid input (extension member)
 * @param metadata the error's metadata, e.g. {@code correlationId} of an internal error (extension member)
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(
        URI type,
        String title,
        int status,
        String detail,
        String instance,
        String hint,
        String reason,
        List<FieldError> errors,
        Map<String, String> metadata) {

    /** The media type of a problem document. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** The base of every Asgard problem type URI. */
    public static final String TYPE_BASE = "https://asgard.dev/problems/";

    /**
     * One invalid field.
     *
     * @param field path of the field
     * @param message what is wrong with it
     */
    @RegisterForReflection
    public record FieldError(String field, String message) {
    }

    /**
     * The problem type URI of a reason: {@code DEVICE_NOT_FOUND} becomes
     * {@code https://asgard.dev/problems/device-not-found}.
     *
     * @param reason an UPPER_SNAKE_CASE reason
     * @return the type URI
     */
    public static URI typeFor(String reason) {
        return URI.create(TYPE_BASE + reason.toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /**
     * The problem of an Asgard exception.
     *
     * @param e the exception
     * @param instance the request path
     * @return the problem, with the category's HTTP status
     */
    public static Problem of(AsgardException e, String instance) {
        return new Problem(
                typeFor(e.reason()),
                e.category().title(),
                e.category().httpStatus(),
                e.detail(),
                instance,
                e.hint().orElse(null),
                e.reason(),
                e.violations().stream().map(v -> new FieldError(v.field(), v.description())).toList(),
                e.metadata());
    }
}
