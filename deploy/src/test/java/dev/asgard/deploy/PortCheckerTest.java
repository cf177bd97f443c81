package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PortCheckerTest {

    @Test
    void busyPortIsReportedWithItsPurposeAndOwner() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = socket.getLocalPort();
            assertFalse(PortChecker.isFree(port));
            LauncherException e = assertThrows(LauncherException.class,
                    () -> PortChecker.requireFree(Map.of(port, "registry-service")));
            assertTrue(e.getMessage().contains("port " + port + " (registry-service) is in use by pid "
                    + ProcessHandle.current().pid()), e.getMessage());
        }
    }

    @Test
    void freePortPasses() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertTrue(PortChecker.isFree(port));
        PortChecker.requireFree(Map.of(port, "test"));
    }
}
