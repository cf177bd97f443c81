package dev.asgard.registry.grpc;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;

import org.jboss.logging.Logger;

import dev.asgard.commons.auth.DeviceAuthInterceptor;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.config.RateLimitConfig;
import dev.asgard.registry.service.KeyedRateLimiter;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GlobalInterceptor;

/**
 * Rate limits of {@code Enroll} and {@code ExchangeCredential}, the two RPCs anyone may call: per client address
 * (checked when the call starts) and per device (checked on the request message: {@code Enroll} by machine
 * fingerprint, else the requested name; {@code ExchangeCredential} by device id). A refused call is closed with
 * RESOURCE_EXHAUSTED, reason {@value #REASON} and a {@code google.rpc.RetryInfo} with the wait, before the service
 * sees it: it changes nothing (no join-token use, no credential check). Buckets live in this replica's memory
 * ({@link KeyedRateLimiter}). Every other method passes untouched.
 *
 * <p>The client address is the TCP peer: behind a proxy or an ingress that is the proxy, so the per-address limit
 * then applies to all clients together; raise it there, the per-device limits still hold.
 */
@GlobalInterceptor
@ApplicationScoped
public class RateLimitInterceptor implements ServerInterceptor, Prioritized {

    /** The {@code ErrorInfo.reason} of a refused call. */
    public static final String REASON = "RATE_LIMITED";

    /** After device authentication ({@link DeviceAuthInterceptor#PRIORITY}), which lets these public calls through. */
    public static final int PRIORITY = DeviceAuthInterceptor.PRIORITY - 100;

    private static final Logger LOG = Logger.getLogger(RateLimitInterceptor.class);
    private static final int MAX_KEY_LENGTH = 128;

    private final boolean enabled;
    private final Rule enroll;
    private final Rule exchange;
    private final MeterRegistry meters;

    public RateLimitInterceptor(RateLimitConfig config, MeterRegistry meters) {
        this.enabled = config.enabled();
        this.meters = meters;
        this.enroll = new Rule("enroll",
                KeyedRateLimiter.of(config.enrollPerAddress().limit(), config.maxKeys(), config.idleExpiry()),
                KeyedRateLimiter.of(config.enrollPerDevice().limit(), config.maxKeys(), config.idleExpiry()),
                message -> enrollKey((EnrollRequest) message));
        this.exchange = new Rule("exchange-credential",
                KeyedRateLimiter.of(config.exchangePerAddress().limit(), config.maxKeys(), config.idleExpiry()),
                KeyedRateLimiter.of(config.exchangePerDevice().limit(), config.maxKeys(), config.idleExpiry()),
                message -> compact(((ExchangeCredentialRequest) message).getDeviceId().toLowerCase(Locale.ROOT)));
    }

    /** The limits of one method: per address, per device, and how to find the device in the request. */
    private record Rule(String name, KeyedRateLimiter perAddress, KeyedRateLimiter perDevice,
            Function<Object, String> deviceKey) {
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        Rule rule = enabled ? rule(call.getMethodDescriptor().getFullMethodName()) : null;
        if (rule == null) {
            return next.startCall(call, headers);
        }
        Optional<Duration> wait = rule.perAddress().tryAcquire(clientAddress(call));
        if (wait.isPresent()) {
            refuse(call, rule, "address", wait.get());
            return new ServerCall.Listener<>() {
            };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {

            private boolean refused;

            @Override
            public void onMessage(ReqT message) {
                String key = rule.deviceKey().apply(message);
                Optional<Duration> deviceWait = key.isEmpty() ? Optional.empty() : rule.perDevice().tryAcquire(key);
                if (deviceWait.isPresent()) {
                    refused = true;
                    refuse(call, rule, "device", deviceWait.get());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                // The service never got the request: half-closing would make it complain about a missing one.
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }

    private Rule rule(String method) {
        if (RegistryServiceGrpc.getEnrollMethod().getFullMethodName().equals(method)) {
            return enroll;
        }
        if (RegistryServiceGrpc.getExchangeCredentialMethod().getFullMethodName().equals(method)) {
            return exchange;
        }
        return null;
    }

    private void refuse(ServerCall<?, ?> call, Rule rule, String per, Duration wait) {
        // Whole milliseconds, at least one: a zero delay would invite an immediate retry that fails again.
        Duration delay = Duration.ofMillis(Math.max(1, (wait.toNanos() + 999_999) / 1_000_000));
        meters.counter("asgard.registry.rate_limited", "method", rule.name(), "per", per).increment();
        LOG.debugf("Rate limited %s per %s; retry in %d ms", rule.name(), per, delay.toMillis());
        AsgardException e = AsgardException.resourceExhausted(REASON,
                "Too many %s requests for this %s; retry in %d ms.", rule.name(), per, delay.toMillis())
                .withHint("Wait for the retry delay before calling again, and back off further if refused again.")
                .withMetadata("limit", rule.name() + "-per-" + per)
                .withRetryAfter(delay);
        StatusException status = GrpcErrors.toStatusException(e);
        call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
    }

    private static String clientAddress(ServerCall<?, ?> call) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return remote == null ? "unknown" : remote.toString();
    }

    /** A machine is its fingerprint; before it sends one (invalid, refused later anyway), its requested name. */
    static String enrollKey(EnrollRequest request) {
        if (!request.getFingerprint().isEmpty()) {
            return "fingerprint:" + compact(request.getFingerprint());
        }
        return request.getName().isEmpty() ? "" : "name:" + compact(request.getName().toLowerCase(Locale.ROOT));
    }

    /** Keys stay small whatever a client sends: long ones are replaced by their SHA-256. */
    private static String compact(String key) {
        if (key.length() <= MAX_KEY_LENGTH) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
