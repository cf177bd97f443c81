package dev.asgard.deploy;

import java.util.List;

/**
 * One Asgard service as the launcher runs it: its module (and process) name and its port, which
 * carries both HTTP and gRPC.
 *
 * @param name module name, also the process and log name
 * @param port HTTP and gRPC port
 */
public record ServiceSpec(String name, int port) {

    /** The five services, in start order (ARCHITECTURE.md, section 3). */
    public static final List<ServiceSpec> ALL = List.of(
            new ServiceSpec("registry-service", 8081),
            new ServiceSpec("network-service", 8082),
            new ServiceSpec("routing-service", 8083),
            new ServiceSpec("lock-service", 8084),
            new ServiceSpec("backup-agent", 8085));

    public String httpUrl() {
        return "http://" + LocalPorts.HOST + ":" + port;
    }

    public String grpcAddress() {
        return LocalPorts.HOST + ":" + port;
    }

    public String readinessUrl() {
        return httpUrl() + "/q/health/ready";
    }

    public String swaggerUiUrl() {
        return httpUrl() + "/q/swagger-ui";
    }

    public String aboutUrl() {
        return httpUrl() + "/api/v1/about";
    }
}
