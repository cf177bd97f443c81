package dev.asgard.backup.identity;

import java.util.concurrent.Executor;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;

/** Channels to other Asgard services and the bearer credentials the agent calls them with. */
public final class GrpcChannels {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcChannels() {
    }

    /**
     * @param target {@code host:port}
     * @param plaintext plaintext (local, tests) or TLS
     * @return a channel (connects lazily)
     */
    public static ManagedChannel open(String target, boolean plaintext) {
        ManagedChannelBuilder<?> b = ManagedChannelBuilder.forTarget(target);
        if (plaintext) {
            b.usePlaintext();
        } else {
            b.useTransportSecurity();
        }
        return b.build();
    }

    /**
     * @param token a device access token
     * @return credentials that send it as {@code authorization: Bearer ...}
     */
    public static CallCredentials bearer(String token) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + token);
                applier.apply(headers);
            }
        };
    }
}
