package dev.asgard.backup.grpc;

import dev.asgard.proto.backup.v1.MutinyBackupServiceGrpc;
import io.quarkus.grpc.GrpcService;

/**
 * The {@code asgard.backup.v1.BackupService} endpoint, bound on the service's HTTP port next to the standard
 * {@code grpc.health.v1.Health} service.
 *
 * <p>The foundation only binds the contract: every RPC answers {@code UNIMPLEMENTED} (the gRPC default of
 * the generated base class) until the backup-agent issue implements it.
 */
@GrpcService
public class BackupGrpcService extends MutinyBackupServiceGrpc.BackupServiceImplBase {
}
