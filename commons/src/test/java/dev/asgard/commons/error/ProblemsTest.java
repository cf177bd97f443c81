package dev.asgard.commons.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

class ProblemsTest {

    private final ObjectMapper json = new ObjectMapper();

    private JsonNode body(Problems.Rendered rendered) throws Exception {
        return json.readTree(json.writeValueAsBytes(rendered.problem()));
    }

    @Test
    void asgardExceptionBecomesProblemJson() throws Exception {
        AsgardException e = AsgardException.notFound("DEVICE_NOT_FOUND", "No device with id %s", "d-42")
                .withHint("List devices with GET /api/v1/devices.");

        Problems.Rendered rendered = Problems.from(e, "/api/v1/devices/d-42");
        JsonNode body = body(rendered);

        assertEquals(404, rendered.status());
        assertEquals("https://asgard.dev/problems/device-not-found", body.get("type").asText());
        assertEquals("Not found", body.get("title").asText());
        assertEquals(404, body.get("status").asInt());
        assertEquals("No device with id d-42", body.get("detail").asText());
        assertEquals("/api/v1/devices/d-42", body.get("instance").asText());
        assertEquals("List devices with GET /api/v1/devices.", body.get("hint").asText());
        assertEquals("DEVICE_NOT_FOUND", body.get("reason").asText());
        // Empty members stay out of the document.
        assertFalse(body.has("errors"));
        assertFalse(body.has("metadata"));
    }

    @Test
    void fieldViolationsBecomeErrors() throws Exception {
        AsgardException e = AsgardException.invalidArgument(List.of(
                FieldViolation.of("name", "is required"), FieldViolation.of("port", "must be at most 65535")));

        JsonNode body = body(Problems.from(e, "/api/v1/networks"));

        assertEquals(400, body.get("status").asInt());
        assertEquals("INVALID_ARGUMENT", body.get("reason").asText());
        assertEquals(2, body.get("errors").size());
        assertEquals("name", body.get("errors").get(0).get("field").asText());
        assertEquals("is required", body.get("errors").get(0).get("message").asText());
        assertEquals("port", body.get("errors").get(1).get("field").asText());
    }

    @Test
    void failedPreconditionIsConflict() {
        assertEquals(409, Problems.from(AsgardException.failedPrecondition("NETWORK_NOT_EMPTY", "Has members"), "/x").status());
    }

    @Test
    void unreachableIdentityProviderIsUnauthorizedNotInternal() throws Exception {
        Problems.Rendered rendered = Problems.from(
                new io.quarkus.oidc.OIDCException("OIDC Server is not available"), "/api/v1/about");
        JsonNode body = body(rendered);

        assertEquals(401, rendered.status());
        assertEquals("IDENTITY_PROVIDER_UNAVAILABLE", body.get("reason").asText());
    }

    @Test
    void unknownFailureIs500WithoutInternals() throws Exception {
        Problems.Rendered rendered = Problems.from(new IllegalStateException("jdbc:postgresql://db/secret"), "/api/v1/about");
        JsonNode body = body(rendered);

        assertEquals(500, rendered.status());
        assertEquals("INTERNAL", body.get("reason").asText());
        assertFalse(body.toString().contains("secret"));
        assertFalse(body.toString().contains("IllegalStateException"));
        String correlationId = body.get("metadata").get("correlationId").asText();
        UUID.fromString(correlationId);
        assertTrue(body.get("detail").asText().contains(correlationId));
    }

    @Test
    void unknownPathKeeps404() throws Exception {
        Problems.Rendered rendered = Problems.from(new NotFoundException(), "/api/v1/nothing");
        JsonNode body = body(rendered);

        assertEquals(404, rendered.status());
        assertEquals("NOT_FOUND", body.get("reason").asText());
        assertTrue(body.get("detail").asText().contains("/api/v1/nothing"));
        assertTrue(body.has("hint"));
    }

    @Test
    void methodNotAllowedKeeps405AndTheAllowHeader() {
        Problems.Rendered rendered = Problems.from(
                new NotAllowedException(Response.status(405).allow("GET", "POST").build()), "/api/v1/about");

        assertEquals(405, rendered.status());
        assertEquals("METHOD_NOT_ALLOWED", rendered.problem().reason());
        String allow = rendered.headers().entrySet().stream()
                .filter(h -> h.getKey().equalsIgnoreCase("Allow"))
                .map(h -> String.join(",", h.getValue())).findFirst().orElseThrow();
        assertTrue(allow.contains("GET") && allow.contains("POST"), allow);
    }

    @Test
    void unsupportedMediaTypeKeeps415WithAHint() {
        Problems.Rendered rendered = Problems.from(new NotSupportedException(), "/api/v1/networks");

        assertEquals(415, rendered.status());
        assertEquals("UNSUPPORTED_MEDIA_TYPE", rendered.problem().reason());
        assertTrue(rendered.problem().hint().contains("application/json"));
    }

    @Test
    void serviceUnavailableKeeps503() {
        Problems.Rendered rendered = Problems.from(new ServiceUnavailableException(), "/api/v1/devices");
        assertEquals(503, rendered.status());
    }

    @Test
    void malformedJsonIs400WithPositionAndHint() {
        JsonParseException parse = assertThrows(JsonParseException.class, () -> json.readTree("{\"name\": oops}"));

        Problems.Rendered rendered = Problems.from(new WebApplicationException(parse, 400), "/api/v1/networks");

        assertEquals(400, rendered.status());
        assertEquals("MALFORMED_JSON", rendered.problem().reason());
        assertTrue(rendered.problem().detail().contains("line 1"), rendered.problem().detail());
        assertTrue(rendered.problem().hint().contains("JSON"));
    }

    @Test
    void wrongJsonTypeNamesTheField() {
        MismatchedInputException mismatch = assertThrows(MismatchedInputException.class,
                () -> json.readValue("{\"name\":\"home\",\"port\":{\"nested\":true}}", Target.class));

        Problems.Rendered rendered = Problems.from(mismatch, "/api/v1/networks");

        assertEquals(400, rendered.status());
        assertEquals(List.of(new Problem.FieldError("port", "has the wrong type (expected a number)")),
                rendered.problem().errors());
    }

    @Test
    void unauthenticatedCarriesAChallenge() {
        Problems.Rendered rendered = Problems.from(
                AsgardException.unauthenticated("DEVICE_TOKEN_EXPIRED", "The device token expired"), "/x");

        assertEquals(401, rendered.status());
        assertEquals(List.of("Bearer"), rendered.headers().get("WWW-Authenticate"));
    }

    @Test
    void retryAfterIsRoundedUpToWholeSeconds() {
        Problems.Rendered rendered = Problems.from(
                AsgardException.resourceExhausted("RATE_LIMITED", "Slow down").withRetryAfter(Duration.ofMillis(1500)), "/x");

        assertEquals(429, rendered.status());
        assertEquals(List.of("2"), rendered.headers().get("Retry-After"));
    }

    /**
     * A request body type.
     *
     * @param name a name
     * @param port a port
     */
    public record Target(String name, int port) {
    }
}
