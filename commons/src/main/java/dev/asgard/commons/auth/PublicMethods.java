package dev.asgard.commons.auth;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The allow-list of gRPC methods callable without a device token: exact full names
 * ({@code asgard.registry.v1.RegistryService/Enroll}) or whole services ({@code grpc.health.v1.Health/*}).
 */
final class PublicMethods {

    private final Set<String> methods = new HashSet<>();
    private final Set<String> services = new HashSet<>();

    PublicMethods(List<String> entries) {
        for (String entry : entries) {
            String e = entry.trim();
            if (e.endsWith("/*")) {
                services.add(e.substring(0, e.length() - 2));
            } else if (!e.isEmpty()) {
                methods.add(e);
            }
        }
    }

    boolean matches(String fullMethodName) {
        if (methods.contains(fullMethodName)) {
            return true;
        }
        int slash = fullMethodName.indexOf('/');
        return slash > 0 && services.contains(fullMethodName.substring(0, slash));
    }
}
