package dev.asgard.commons.error;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.grpc.Status;

class ErrorCategoryTest {

    @ParameterizedTest
    @CsvSource({
            "NOT_FOUND, NOT_FOUND, 404",
            "INVALID_ARGUMENT, INVALID_ARGUMENT, 400",
            "ALREADY_EXISTS, ALREADY_EXISTS, 409",
            "FAILED_PRECONDITION, FAILED_PRECONDITION, 409",
            "PERMISSION_DENIED, PERMISSION_DENIED, 403",
            "UNAUTHENTICATED, UNAUTHENTICATED, 401",
            "RESOURCE_EXHAUSTED, RESOURCE_EXHAUSTED, 429",
            "ABORTED, ABORTED, 409",
            "UNIMPLEMENTED, UNIMPLEMENTED, 501",
            "UNAVAILABLE, UNAVAILABLE, 503",
            "DEADLINE_EXCEEDED, DEADLINE_EXCEEDED, 504",
            "INTERNAL, INTERNAL, 500" })
    void categoryFixesGrpcCodeAndHttpStatus(ErrorCategory category, Status.Code code, int httpStatus) {
        assertEquals(code, category.grpcCode());
        assertEquals(httpStatus, category.httpStatus());
        assertEquals(category, ErrorCategory.fromGrpcCode(code));
    }

    @ParameterizedTest
    @CsvSource({
            "UNKNOWN, INTERNAL",
            "DATA_LOSS, INTERNAL",
            "OUT_OF_RANGE, INVALID_ARGUMENT",
            "CANCELLED, DEADLINE_EXCEEDED" })
    void foreignCodesMapToTheNearestCategory(Status.Code code, ErrorCategory expected) {
        assertEquals(expected, ErrorCategory.fromGrpcCode(code));
    }
}
