package dev.asgard.commons.auth;

import java.time.Instant;

import org.jboss.logging.Logger;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.GrpcErrors;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;

/**
 * An accepted device call as the service sees it: the transport's call, which {@link OpenDeviceCalls} can close
 * when the device is revoked while the call runs.
 *
 * <p>A {@link ServerCall} is not thread-safe, and the revocation arrives on the Kafka consumer's thread. So:
 * <ul>
 * <li>the revocation closes the call on the Vert.x context the call arrived on (Quarkus' gRPC server runs every
 * call method and listener event there), or, outside Vert.x, on the revoking thread;</li>
 * <li>in both cases every method that changes the call runs under this object's monitor, so the close never overlaps
 * the service writing from another thread;</li>
 * <li>after the close, the service's further writes, its own close and its requests for messages are dropped
 * quietly: a stream that is still emitting when it is cut must not fail with "call is closed" or "already closed";
 * </li>
 * <li>the service's listener then hears {@code onCancel} (not {@code onComplete}: the service did not finish the
 * call), so Mutiny streams are cancelled and their clean-up runs, and incoming messages of the revoked device are no
 * longer delivered.</li>
 * </ul>
 * The client sees the call end with UNAUTHENTICATED {@value DeviceAuthReasons#REVOKED}.
 */
final class DeviceCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {

    private static final Logger LOG = Logger.getLogger(DeviceCall.class);

    private final String deviceId;
    private final Instant issuedAt;
    private final OpenDeviceCalls openCalls;
    private final io.vertx.core.Context context;
    /** Written under the monitor; read without it where a stale answer is harmless. */
    private volatile boolean closed;
    private volatile boolean revoked;
    private volatile Events events;

    /**
     * @param call the transport's call
     * @param deviceId the caller
     * @param issuedAt its token's {@code iat}
     * @param openCalls where the call is registered
     * @param context the Vert.x context the call runs on, or null outside Vert.x
     */
    DeviceCall(ServerCall<ReqT, RespT> call, String deviceId, Instant issuedAt, OpenDeviceCalls openCalls,
            io.vertx.core.Context context) {
        super(call);
        this.deviceId = deviceId;
        this.issuedAt = issuedAt;
        this.openCalls = openCalls;
        this.context = context;
    }

    String deviceId() {
        return deviceId;
    }

    Instant issuedAt() {
        return issuedAt;
    }

    /** @return the listener to hand to the transport: the service's, wrapped */
    ServerCall.Listener<ReqT> listen(ServerCall.Listener<ReqT> service) {
        Events wrapped = new Events(service);
        events = wrapped;
        return wrapped;
    }

    /** Closes the call because its device was revoked; from any thread, any number of times. */
    void revoke() {
        if (context == null) {
            closeRevoked();
        } else {
            context.runOnContext(ignored -> closeRevoked());
        }
    }

    private void closeRevoked() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            revoked = true;
            StatusException status = GrpcErrors.toStatusException(revokedDuringCall());
            try {
                super.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
            } catch (RuntimeException e) {
                // The transport had ended the call already (the client went away); nothing is left to close.
                LOG.debugf("Closing revoked call %s of device %s: %s", getMethodDescriptor().getFullMethodName(),
                        deviceId, e);
            }
        }
        openCalls.ended(this);
        Events wrapped = events;
        if (wrapped != null) {
            wrapped.afterRevocation();
        }
    }

    static AsgardException revokedDuringCall() {
        return AsgardException.unauthenticated(DeviceAuthReasons.REVOKED,
                "The device's credentials were revoked or the device was removed during this call")
                .withHint("Exchange a current device credential for a new token, or enrol again.");
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
        if (!closed) {
            super.sendHeaders(headers);
        }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
        if (!closed) {
            super.sendMessage(message);
        }
    }

    @Override
    public synchronized void request(int numMessages) {
        if (!closed) {
            super.request(numMessages);
        }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
        if (closed) {
            LOG.debugf("Dropped the service's close (%s) of the revoked call %s of device %s", status.getCode(),
                    getMethodDescriptor().getFullMethodName(), deviceId);
            return;
        }
        closed = true;
        openCalls.ended(this);
        super.close(status, trailers);
    }

    @Override
    public boolean isReady() {
        return !closed && super.isReady();
    }

    @Override
    public synchronized void setMessageCompression(boolean enabled) {
        if (!closed) {
            super.setMessageCompression(enabled);
        }
    }

    @Override
    public synchronized void setCompression(String compressor) {
        if (!closed) {
            super.setCompression(compressor);
        }
    }

    /**
     * The service's listener behind the revocation: ends the registration with the call, and tells the service of
     * a revocation as a cancellation, exactly once.
     *
     * <p>Listener events never run concurrently (gRPC's rule); {@code ended} and {@code endPending} are touched only
     * by the thread delivering them, or by the revoking thread while the transport runs the listener synchronously
     * inside the close (the Vert.x server does), which is then that same thread.
     */
    private final class Events extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {

        private boolean ended;
        private boolean endPending;

        Events(ServerCall.Listener<ReqT> delegate) {
            super(delegate);
        }

        @Override
        public void onMessage(ReqT message) {
            if (!revoked) {
                super.onMessage(message);
            }
        }

        @Override
        public void onHalfClose() {
            if (!revoked) {
                super.onHalfClose();
            }
        }

        @Override
        public void onReady() {
            if (!revoked) {
                super.onReady();
            }
        }

        @Override
        public void onCancel() {
            end(false);
        }

        @Override
        public void onComplete() {
            end(true);
        }

        private void end(boolean completed) {
            openCalls.ended(DeviceCall.this);
            if (revoked && Thread.holdsLock(DeviceCall.this)) {
                // The transport reports the close from inside it, under the call's monitor: the service learns of
                // it once the close has returned and released the monitor, so its clean-up never runs under it.
                endPending = true;
                return;
            }
            if (ended) {
                return;
            }
            ended = true;
            if (completed && !revoked) {
                super.onComplete();
            } else {
                super.onCancel();
            }
        }

        void afterRevocation() {
            if (endPending && !ended) {
                endPending = false;
                ended = true;
                try {
                    super.onCancel();
                } catch (RuntimeException e) {
                    LOG.warnf(e, "The service failed to handle the cancellation of the revoked call %s of device %s",
                            getMethodDescriptor().getFullMethodName(), deviceId);
                }
            }
        }
    }
}
