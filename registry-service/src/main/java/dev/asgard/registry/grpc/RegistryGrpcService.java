package dev.asgard.registry.grpc;

import dev.asgard.proto.registry.v1.MutinyRegistryServiceGrpc;
import io.quarkus.grpc.GrpcService;

/**
 * The {@code asgard.registry.v1.RegistryService} endpoint, bound on the service's HTTP port next to the
 * standard {@code grpc.health.v1.Health} service.
 *
 * <p>The foundation only binds the contract: every RPC answers {@code UNIMPLEMENTED} (the gRPC default of
 * the generated base class) until the registry issue brings enrolment, tokens, heartbeats and discovery.
 */
@GrpcService
public class RegistryGrpcService extends MutinyRegistryServiceGrpc.RegistryServiceImplBase {
}
