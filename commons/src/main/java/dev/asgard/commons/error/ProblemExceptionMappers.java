package dev.asgard.commons.error;

import java.nio.charset.StandardCharsets;

import jakarta.inject.Singleton;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.ForbiddenException;
import io.vertx.core.http.HttpServerRequest;

/**
 * Answers every failed REST request of an Asgard service with an RFC 9457 problem
 * ({@value Problem#MEDIA_TYPE}), rendered by {@link Problems}.
 *
 * <p>Quarkus REST finds these {@code @ServerExceptionMapper} methods through the Jandex index of the
 * commons jar. Besides the catch-all {@link Throwable} mapper, the exceptions for which Quarkus or its
 * extensions register their own mappers are mapped explicitly, because a mapper for a closer superclass
 * (Hibernate Validator's for {@code ValidationException}, Jackson's for {@code MismatchedInputException})
 * would otherwise win over the catch-all. Authentication failures ({@code UnauthorizedException},
 * {@code AuthenticationFailedException}) are deliberately left to Quarkus, which adds the OIDC challenge.
 *
 * <p>A service may override one mapping with its own {@code @ServerExceptionMapper(priority = Priorities.USER - 1)}.
 */
@Singleton
public class ProblemExceptionMappers {

    private final ObjectMapper objectMapper;

    /**
     * @param objectMapper the application's Jackson mapper
     */
    public ProblemExceptionMappers(ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
    }

    /**
     * @param e an expected failure thrown by service code
     * @param request the failed request
     * @return the problem response
     */
    @ServerExceptionMapper
    public Response asgard(AsgardException e, HttpServerRequest request) {
        return respond(Problems.of(e, request.path()));
    }

    /**
     * @param e Bean Validation failure of a resource parameter or body
     * @param request the failed request
     * @return 400 with one {@code errors[]} entry per violation (500 for return-value violations)
     */
    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e, HttpServerRequest request) {
        return respond(Problems.from(e, request.path()));
    }

    /**
     * @param e JAX-RS failure: unknown path, method not allowed, unsupported media type, unreadable body
     * @param request the failed request
     * @return the problem with the exception's own status and headers
     */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, HttpServerRequest request) {
        return respond(Problems.from(e, request.path()));
    }

    /**
     * @param e a request body whose JSON does not fit the expected type
     * @param request the failed request
     * @return 400 naming the field
     */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, HttpServerRequest request) {
        return respond(Problems.from(e, request.path()));
    }

    /**
     * @param e a role check that failed for an authenticated caller
     * @param request the failed request
     * @return 403
     */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, HttpServerRequest request) {
        return respond(Problems.from(e, request.path()));
    }

    /**
     * @param e anything else: a bug, logged with a correlation id
     * @param request the failed request
     * @return 500 without internals
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpServerRequest request) {
        return respond(Problems.from(e, request.path()));
    }

    private Response respond(Problems.Rendered rendered) {
        byte[] body;
        try {
            body = objectMapper.writeValueAsBytes(rendered.problem());
        } catch (JsonProcessingException e) {
            // Cannot happen for a record of strings, but never let the error path itself fail without an answer.
            body = ("{\"status\":" + rendered.status() + "}").getBytes(StandardCharsets.UTF_8);
        }
        Response.ResponseBuilder response = Response.status(rendered.status())
                .type(Problem.MEDIA_TYPE)
                .entity(body);
        rendered.headers().forEach((name, values) -> values.forEach(value -> response.header(name, value)));
        return response.build();
    }
}
