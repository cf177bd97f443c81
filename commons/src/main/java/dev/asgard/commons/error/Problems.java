package dev.asgard.commons.error;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.ResteasyReactiveClientProblem;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The REST rendering of the error model as pure functions (no CDI, no JAX-RS runtime), so it can be unit
 * tested; {@link ProblemExceptionMappers} only serialises what this returns.
 */
public final class Problems {

    /** Reason of a request body that is not JSON at all. */
    public static final String REASON_MALFORMED_JSON = "MALFORMED_JSON";

    private static final Logger LOG = Logger.getLogger(Problems.class);

    private Problems() {
    }

    /**
     * A problem with the response headers that must accompany it.
     *
     * @param problem the body
     * @param headers extra headers ({@code Allow}, {@code Retry-After}, {@code WWW-Authenticate}); never
     *        {@code Content-Type}, which is always {@value Problem#MEDIA_TYPE}
     */
    public record Rendered(Problem problem, Map<String, List<String>> headers) {
        /** @return the HTTP status to answer with */
        public int status() {
            return problem.status();
        }
    }

    /**
     * Renders any failure of a REST request.
     *
     * @param failure what the resource (or Quarkus REST itself) threw
     * @param instance the request path
     * @return the problem and its headers
     */
    public static Rendered from(Throwable failure, String instance) {
        Throwable t = ErrorClassifier.unwrap(failure);
        if (t instanceof WebApplicationException wae && !(t instanceof ResteasyReactiveClientProblem)) {
            return fromWebApplicationException(wae, instance);
        }
        if (t instanceof MismatchedInputException mie) {
            // Quarkus REST rethrows binding errors of request bodies unwrapped; anywhere else Jackson is
            // used by the service itself, so other Jackson failures are the server's problem (INTERNAL).
            return unreadableBody(mie, instance);
        }
        return of(ErrorClassifier.classify(t), instance);
    }

    /**
     * Renders an Asgard exception.
     *
     * @param e the exception
     * @param instance the request path
     * @return the problem and its headers
     */
    public static Rendered of(AsgardException e, String instance) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        e.retryAfter().ifPresent(delay -> headers.put(HttpHeaders.RETRY_AFTER, List.of(retryAfterSeconds(delay))));
        if (e.category() == ErrorCategory.UNAUTHENTICATED) {
            // RFC 9110 requires a challenge on every 401.
            headers.put(HttpHeaders.WWW_AUTHENTICATE, List.of("Bearer"));
        }
        if (e.category() != ErrorCategory.INTERNAL) {
            LOG.debugf("Request to %s failed: %s", instance, e);
        }
        return new Rendered(Problem.of(e, instance), headers);
    }

    private static Rendered fromWebApplicationException(WebApplicationException wae, String instance) {
        Response response = wae.getResponse();
        int status = response == null ? 500 : response.getStatus();
        Throwable cause = wae.getCause();
        if (status == 400 && cause instanceof JsonProcessingException jpe && !(cause instanceof InvalidDefinitionException)) {
            return unreadableBody(jpe, instance);
        }
        ErrorCategory category = ErrorCategory.fromHttpStatus(status);
        if (status == 500 || category == ErrorCategory.INTERNAL) {
            return of(ErrorClassifier.internal(wae), instance);
        }
        String reason = ErrorClassifier.reasonForHttpStatus(status);
        String detail;
        String hint;
        if (wae instanceof NotFoundException || status == 404) {
            detail = "Nothing exists at " + instance + ".";
            hint = "Check the path; the API is under /api/v1 and described at /q/openapi.";
        } else if (wae instanceof NotAllowedException || status == 405) {
            detail = "This resource does not support that HTTP method.";
            // Quarkus REST answers 405 without an Allow header, so only point at one when it is there.
            hint = response != null && response.getHeaders().containsKey(HttpHeaders.ALLOW)
                    ? "Use one of the methods listed in the Allow header."
                    : "Check the HTTP method; /q/openapi lists the methods of every path.";
        } else if (wae instanceof NotSupportedException || status == 415) {
            detail = "The request body has a media type this resource does not accept.";
            hint = "Send the body as JSON with the header Content-Type: application/json.";
        } else if (wae instanceof NotAcceptableException || status == 406) {
            detail = "This resource cannot produce any media type the request accepts.";
            hint = "Accept application/json.";
        } else {
            detail = category.title() + ".";
            hint = null;
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        if (response != null) {
            response.getHeaders().forEach((name, values) -> {
                if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE) && !name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)) {
                    headers.put(name, values.stream().map(String::valueOf).toList());
                }
            });
        }
        LOG.debugf("Request to %s failed with HTTP %d", instance, status);
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known != null ? known.getReasonPhrase() : category.title();
        return new Rendered(new Problem(Problem.typeFor(reason), title, status, detail, instance, hint, reason,
                List.of(), Map.of()), headers);
    }

    private static Rendered unreadableBody(JsonProcessingException e, String instance) {
        if (e instanceof JsonMappingException jme && !jme.getPath().isEmpty()) {
            String field = pathOf(jme);
            String description;
            if (e instanceof UnrecognizedPropertyException) {
                description = "is not a known property";
            } else if (e instanceof InvalidFormatException ife && ife.getTargetType() != null) {
                description = "has an invalid value (expected " + typeName(ife.getTargetType()) + ")";
            } else if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
                description = "has the wrong type (expected " + typeName(mie.getTargetType()) + ")";
            } else {
                description = "has an invalid value";
            }
            return of(AsgardException.invalidArgument(List.of(new FieldViolation(field, description))), instance);
        }
        JsonLocation location = e.getLocation();
        String where = location != null && location.getLineNr() > 0
                ? " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")"
                : "";
        return of(AsgardException.invalidArgument(REASON_MALFORMED_JSON, "The request body is not valid JSON%s.", where)
                .withHint("Send a well-formed JSON document with Content-Type: application/json; "
                        + "check quotes, commas and brackets near the reported position."),
                instance);
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }

    private static String typeName(Class<?> type) {
        if (type.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object constant : type.getEnumConstants()) {
                names.add(constant.toString());
            }
            return "one of " + String.join(", ", names);
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class && type != char.class)) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class || type == Character.class || type == char.class) {
            return "a string";
        }
        if (type.isArray() || Iterable.class.isAssignableFrom(type)) {
            return "an array";
        }
        String simple = type.getSimpleName();
        if (simple.startsWith("Instant") || simple.startsWith("OffsetDateTime") || simple.startsWith("ZonedDateTime")) {
            return "an RFC 3339 timestamp";
        }
        if (type == java.util.UUID.class) {
            return "a UUID";
        }
        return "an object";
    }

    private static String retryAfterSeconds(Duration delay) {
        long seconds = delay.getSeconds() + (delay.getNano() > 0 ? 1 : 0);
        return Long.toString(Math.max(1, seconds));
    }
}
