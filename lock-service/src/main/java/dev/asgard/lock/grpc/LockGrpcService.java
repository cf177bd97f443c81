package dev.asgard.lock.grpc;

import dev.asgard.proto.lock.v1.MutinyLockServiceGrpc;
import io.quarkus.grpc.GrpcService;

/**
 * The {@code asgard.lock.v1.LockService} endpoint, bound on the service's HTTP port next to the standard
 * {@code grpc.health.v1.Health} service.
 *
 * <p>The foundation only binds the contract: every RPC answers {@code UNIMPLEMENTED} (the gRPC default of
 * the generated base class) until the lock-service issue implements it.
 */
@GrpcService
public class LockGrpcService extends MutinyLockServiceGrpc.LockServiceImplBase {
}
