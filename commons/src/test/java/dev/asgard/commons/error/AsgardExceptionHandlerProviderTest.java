package dev.asgard.commons.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.quarkus.grpc.ExceptionHandler;

class AsgardExceptionHandlerProviderTest {

    private final AsgardExceptionHandlerProvider provider = new AsgardExceptionHandlerProvider();

    @Test
    void transformReturnsRichStatusException() {
        Throwable transformed = provider
                .transform(AsgardException.permissionDenied("DEVICE_ACTS_FOR_ANOTHER", "Device d-1 cannot act for d-2"));

        StatusException status = assertInstanceOf(StatusException.class, transformed);
        assertEquals(Status.Code.PERMISSION_DENIED, status.getStatus().getCode());
        assertEquals("DEVICE_ACTS_FOR_ANOTHER", GrpcErrors.reason(status).orElseThrow());
    }

    @Test
    void exceptionThrownByAListenerClosesTheCallWithTheRichStatus() {
        RecordingCall call = new RecordingCall();
        Metadata requestHeaders = new Metadata();
        requestHeaders.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer secret");
        ServerCall.Listener<String> throwing = new ServerCall.Listener<>() {
            @Override
            public void onHalfClose() {
                throw AsgardException.notFound("LOCK_NOT_FOUND", "No lock named backups");
            }
        };

        ExceptionHandler<String, String> handler = provider.createHandler(throwing, call, requestHeaders);
        handler.onHalfClose();

        assertEquals(Status.Code.NOT_FOUND, call.status.getCode());
        StatusException received = call.status.asException(call.trailers);
        assertEquals("LOCK_NOT_FOUND", GrpcErrors.reason(received).orElseThrow());
        // The request's headers (here a bearer token) must never be echoed back as trailers.
        assertNull(call.trailers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
    }

    @Test
    void unexpectedExceptionThrownByAListenerIsInternal() {
        RecordingCall call = new RecordingCall();
        ServerCall.Listener<String> throwing = new ServerCall.Listener<>() {
            @Override
            public void onMessage(String message) {
                throw new NullPointerException("oops");
            }
        };

        provider.createHandler(throwing, call, new Metadata()).onMessage("hello");

        assertEquals(Status.Code.INTERNAL, call.status.getCode());
        assertEquals("INTERNAL", GrpcErrors.reason(call.status.asException(call.trailers)).orElseThrow());
    }

    private static final class RecordingCall extends ServerCall<String, String> {
        Status status;
        Metadata trailers;

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(String message) {
        }

        @Override
        public void close(Status status, Metadata trailers) {
            this.status = status;
            this.trailers = trailers;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return null;
        }
    }
}
