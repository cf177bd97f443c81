package dev.asgard.registry.grpc;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;

import dev.asgard.commons.auth.CurrentDevice;
import dev.asgard.commons.auth.DeviceAuthInterceptor;
import dev.asgard.registry.service.AuditCaller;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;

/**
 * Remembers who calls (the verified device, else anonymous) and from which address, for the audit trail
 * ({@link AuditCaller}). Runs after {@link DeviceAuthInterceptor}, so the device is known.
 */
@GlobalInterceptor
@ApplicationScoped
public class AuditGrpcInterceptor implements ServerInterceptor, Prioritized {

    @Override
    public int getPriority() {
        return DeviceAuthInterceptor.PRIORITY - 100;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        String address = address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        AuditCaller.set(CurrentDevice.get().map(device -> AuditCaller.device(device.deviceId(), address))
                .orElseGet(() -> AuditCaller.anonymous(address)));
        return next.startCall(call, headers);
    }

    private static String address(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return remote == null ? null : remote.toString();
    }
}
