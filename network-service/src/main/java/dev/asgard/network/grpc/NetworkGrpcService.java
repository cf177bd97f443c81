package dev.asgard.network.grpc;

import dev.asgard.proto.network.v1.MutinyNetworkServiceGrpc;
import io.quarkus.grpc.GrpcService;

/**
 * The {@code asgard.network.v1.NetworkService} endpoint, bound on the service's HTTP port next to the standard
 * {@code grpc.health.v1.Health} service.
 *
 * <p>The foundation only binds the contract: every RPC answers {@code UNIMPLEMENTED} (the gRPC default of
 * the generated base class) until the network-service issue implements it.
 */
@GrpcService
public class NetworkGrpcService extends MutinyNetworkServiceGrpc.NetworkServiceImplBase {
}
