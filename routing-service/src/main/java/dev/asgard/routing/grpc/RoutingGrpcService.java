package dev.asgard.routing.grpc;

import dev.asgard.proto.routing.v1.MutinyRoutingServiceGrpc;
import io.quarkus.grpc.GrpcService;

/**
 * The {@code asgard.routing.v1.RoutingService} endpoint, bound on the service's HTTP port next to the standard
 * {@code grpc.health.v1.Health} service.
 *
 * <p>The foundation only binds the contract: every RPC answers {@code UNIMPLEMENTED} (the gRPC default of
 * the generated base class) until the routing-service issue implements it.
 */
@GrpcService
public class RoutingGrpcService extends MutinyRoutingServiceGrpc.RoutingServiceImplBase {
}
