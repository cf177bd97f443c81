package dev.asgard.commons.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import org.hibernate.StaleObjectStateException;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;

import io.grpc.InternalMetadata;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.smallrye.mutiny.CompositeException;

class GrpcErrorsTest {

    /** What a client sees: the trailers serialised to the wire format and parsed back. */
    private static StatusRuntimeException overTheWire(StatusRuntimeException sent) {
        byte[][] wire = InternalMetadata.serialize(sent.getTrailers());
        Metadata received = InternalMetadata.newMetadata(wire);
        return sent.getStatus().asRuntimeException(received);
    }

    @Test
    void notFoundCarriesReasonDomainMetadataAndHintAcrossTheWire() {
        AsgardException e = AsgardException.notFound("DEVICE_NOT_FOUND", "No device with id %s", "d-42")
                .withHint("List devices to find the right id.")
                .withMetadata("deviceId", "d-42");

        StatusRuntimeException received = overTheWire(GrpcErrors.toStatusRuntimeException(e));

        assertEquals(Status.Code.NOT_FOUND, received.getStatus().getCode());
        assertEquals("No device with id d-42", received.getStatus().getDescription());
        ErrorInfo info = GrpcErrors.errorInfo(received).orElseThrow();
        assertEquals("DEVICE_NOT_FOUND", info.getReason());
        assertEquals("asgard.dev", info.getDomain());
        assertEquals("d-42", info.getMetadataOrThrow("deviceId"));
        var link = GrpcErrors.help(received).orElseThrow().getLinks(0);
        assertEquals("List devices to find the right id.", link.getDescription());
        assertEquals("https://asgard.dev/problems/device-not-found", link.getUrl());
        assertTrue(GrpcErrors.badRequest(received).isEmpty());
        assertEquals("DEVICE_NOT_FOUND", GrpcErrors.reason(received).orElseThrow());
    }

    @Test
    void fieldViolationsTravelAsBadRequest() {
        AsgardException e = AsgardException.invalidArgument(List.of(
                FieldViolation.of("name", "is required and must not be blank"),
                FieldViolation.of("port", "must be between 1 and 65535")));

        StatusRuntimeException received = overTheWire(GrpcErrors.toStatusRuntimeException(e));

        assertEquals(Status.Code.INVALID_ARGUMENT, received.getStatus().getCode());
        assertEquals("INVALID_ARGUMENT", GrpcErrors.errorInfo(received).orElseThrow().getReason());
        BadRequest badRequest = GrpcErrors.badRequest(received).orElseThrow();
        assertEquals(2, badRequest.getFieldViolationsCount());
        assertEquals("name", badRequest.getFieldViolations(0).getField());
        assertEquals("port", badRequest.getFieldViolations(1).getField());
        assertEquals("must be between 1 and 65535", badRequest.getFieldViolations(1).getDescription());
    }

    @Test
    void validationThrowsOnceWithEveryViolation() {
        Validation validation = Validation.create()
                .notBlank("name", "")
                .maxLength("description", "x".repeat(300), 256)
                .notNull("network_id", null)
                .check(true, "port", "never reported");

        AsgardException e = assertThrows(AsgardException.class, validation::throwIfInvalid);

        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals(List.of("name", "description", "network_id"), e.violations().stream().map(FieldViolation::field).toList());
        assertTrue(e.detail().contains("3 invalid fields"), e.detail());
    }

    @Test
    void validationWithoutViolationsDoesNotThrow() {
        Validation validation = Validation.create().notBlank("name", "ok").maxLength("name", "ok", 3);
        assertTrue(validation.isValid());
        validation.throwIfInvalid();
    }

    @Test
    void unknownExceptionBecomesInternalWithoutLeakingItsMessage() {
        StatusRuntimeException received = overTheWire(
                GrpcErrors.toStatusRuntimeException(new IllegalStateException("password=hunter2 at db:5432")));

        assertEquals(Status.Code.INTERNAL, received.getStatus().getCode());
        assertFalse(received.getStatus().getDescription().contains("hunter2"));
        ErrorInfo info = GrpcErrors.errorInfo(received).orElseThrow();
        assertEquals("INTERNAL", info.getReason());
        String correlationId = info.getMetadataOrThrow("correlationId");
        assertTrue(received.getStatus().getDescription().contains(correlationId));
    }

    @Test
    void illegalArgumentFromDeepInsideIsInternalNotInvalidArgument() {
        // Quarkus' default provider would call this INVALID_ARGUMENT and blame the caller for a server bug.
        StatusException status = GrpcErrors.toStatusException(new IllegalArgumentException("bug"));
        assertEquals(Status.Code.INTERNAL, status.getStatus().getCode());
    }

    @Test
    void existingStatusExceptionsPassThrough() {
        StatusRuntimeException sre = Status.FAILED_PRECONDITION.withDescription("as built").asRuntimeException();
        StatusException se = Status.ABORTED.withDescription("as built").asException();

        assertSame(sre, GrpcErrors.toStatusRuntimeException(sre));
        assertSame(se, GrpcErrors.toStatusException(se));
        assertEquals(Status.Code.FAILED_PRECONDITION, GrpcErrors.toStatusException(sre).getStatus().getCode());
        assertEquals(Status.Code.ABORTED, GrpcErrors.toStatusRuntimeException(se).getStatus().getCode());
    }

    @Test
    void wrappersAreUnwrapped() {
        AsgardException e = AsgardException.alreadyExists("NETWORK_NAME_TAKEN", "Network home exists");

        assertEquals(Status.Code.ALREADY_EXISTS,
                GrpcErrors.toStatusException(new CompletionException(e)).getStatus().getCode());
        assertEquals(Status.Code.ALREADY_EXISTS,
                GrpcErrors.toStatusException(new CompositeException(List.of(e, new RuntimeException("other"))))
                        .getStatus().getCode());
    }

    @Test
    void beanValidationBecomesInvalidArgumentWithCallerFieldNames() throws Exception {
        Validator validator = jakarta.validation.Validation.byDefaultProvider().configure()
                .messageInterpolator(new ParameterMessageInterpolator())
                .buildValidatorFactory().getValidator();
        Set<ConstraintViolation<Endpoint>> violations = validator.forExecutables().validateParameters(
                new Endpoint(), Endpoint.class.getMethod("create", CreateRequest.class, int.class),
                new Object[] { new CreateRequest("", 70000), 0 });

        StatusRuntimeException received = overTheWire(
                GrpcErrors.toStatusRuntimeException(new ConstraintViolationException(violations)));

        assertEquals(Status.Code.INVALID_ARGUMENT, received.getStatus().getCode());
        List<String> fields = GrpcErrors.badRequest(received).orElseThrow().getFieldViolationsList().stream()
                .map(BadRequest.FieldViolation::getField).toList();
        assertEquals(List.of("limit", "name", "port"), fields);
    }

    @Test
    void returnValueViolationIsTheServersFault() throws Exception {
        Validator validator = jakarta.validation.Validation.byDefaultProvider().configure()
                .messageInterpolator(new ParameterMessageInterpolator())
                .buildValidatorFactory().getValidator();
        Set<ConstraintViolation<Endpoint>> violations = validator.forExecutables().validateReturnValue(
                new Endpoint(), Endpoint.class.getMethod("name"), "");

        assertEquals(Status.Code.INTERNAL,
                GrpcErrors.toStatusException(new ConstraintViolationException(violations)).getStatus().getCode());
    }

    @Test
    void lostOptimisticLockIsAborted() {
        StatusException status = GrpcErrors.toStatusException(
                new CompletionException(new StaleObjectStateException("Device", "d-1")));

        assertEquals(Status.Code.ABORTED, status.getStatus().getCode());
        assertEquals("CONCURRENT_MODIFICATION", GrpcErrors.reason(status).orElseThrow());
    }

    @Test
    void securityFailuresKeepTheirMeaning() {
        assertEquals(Status.Code.UNAUTHENTICATED,
                GrpcErrors.toStatusException(new UnauthorizedException()).getStatus().getCode());
        assertEquals(Status.Code.PERMISSION_DENIED,
                GrpcErrors.toStatusException(new ForbiddenException()).getStatus().getCode());
    }

    @Test
    void retryAfterTravelsAsRetryInfo() {
        AsgardException e = AsgardException.resourceExhausted("ENROLMENT_RATE_LIMITED", "Too many enrolments")
                .withRetryAfter(Duration.ofMillis(2500));

        StatusRuntimeException received = overTheWire(GrpcErrors.toStatusRuntimeException(e));

        assertEquals(Status.Code.RESOURCE_EXHAUSTED, received.getStatus().getCode());
        var delay = GrpcErrors.retryInfo(received).orElseThrow().getRetryDelay();
        assertEquals(2, delay.getSeconds());
        assertEquals(500_000_000, delay.getNanos());
    }

    @Test
    void readersFindNothingOnAPlainStatus() {
        StatusRuntimeException plain = Status.NOT_FOUND.asRuntimeException();
        assertTrue(GrpcErrors.errorInfo(plain).isEmpty());
        assertTrue(GrpcErrors.badRequest(plain).isEmpty());
        assertTrue(GrpcErrors.errorInfo(new RuntimeException()).isEmpty());
    }

    @Test
    void statusFromAnotherServiceKeepsCodeAndReasonWhenClassified() {
        StatusRuntimeException downstream = GrpcErrors.toStatusRuntimeException(
                AsgardException.notFound("NETWORK_NOT_FOUND", "No network n-1").withViolation("network_id", "unknown"));

        AsgardException classified = ErrorClassifier.classify(overTheWire(downstream));

        assertEquals(ErrorCategory.NOT_FOUND, classified.category());
        assertEquals("NETWORK_NOT_FOUND", classified.reason());
        assertEquals("No network n-1", classified.detail());
        assertEquals(List.of(FieldViolation.of("network_id", "unknown")), classified.violations());
    }

    @Test
    void unknownCodeFromAnotherServiceIsInternal() {
        AsgardException classified = ErrorClassifier.classify(Status.UNKNOWN.withDescription("stack trace").asRuntimeException());
        assertEquals(ErrorCategory.INTERNAL, classified.category());
        assertFalse(classified.detail().contains("stack trace"));
    }

    @Test
    void malformedReasonsAndMetadataKeysAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> AsgardException.notFound("device-not-found", "x"));
        assertThrows(IllegalArgumentException.class, () -> AsgardException.notFound("DEVICE", "x").withMetadata("Device Id", "1"));
        assertThrows(IllegalArgumentException.class, () -> AsgardException.invalidArgument(List.of()));
    }

    /** Stand-in for a REST resource or gRPC service with Bean Validation annotations. */
    public static class Endpoint {
        public void create(@Valid CreateRequest request, @Min(1) int limit) {
        }

        @NotBlank
        public String name() {
            return "";
        }
    }

    /**
     * A request DTO.
     *
     * @param name a name
     * @param port a port
     */
    public record CreateRequest(@NotBlank String name, @Min(1) @Max(65535) int port) {
    }
}
