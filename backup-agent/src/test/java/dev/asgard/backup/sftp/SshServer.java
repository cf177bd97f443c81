package dev.asgard.backup.sftp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server ({@code /usr/sbin/sshd}, Debian package {@code openssh-server}) on a loopback port, for
 * SFTP repositories in tests. Everything is generated at start in a temporary folder: a host key, a user key
 * (authorised for the current user only), a known_hosts file with the host key, the sshd configuration. Clients
 * verify the host key (StrictHostKeyChecking=yes against that known_hosts), log in with the user key only, and
 * ignore the user's own ssh configuration.
 *
 * <p>sshd runs in the foreground as a child of the test JVM, as the current user. Run as root it needs its
 * privilege separation folder {@code /run/sshd} (created here when missing); as another user it can only log in
 * that same user, which is all a test needs.
 */
public final class SshServer implements AutoCloseable {

    /** Where Debian installs sshd. */
    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Path dir;
    private final int port;
    private final Process process;
    private final Path userKey;
    private final Path knownHosts;

    private SshServer(Path dir, int port, Process process, Path userKey, Path knownHosts) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.userKey = userKey;
        this.knownHosts = knownHosts;
    }

    /** @return whether sshd is installed here */
    public static boolean available() {
        return Files.isExecutable(SSHD);
    }

    /**
     * Starts sshd and waits until it accepts connections.
     *
     * @return the running server
     * @throws IOException when sshd does not start (its output is in the message)
     */
    public static SshServer start() throws IOException {
        Path dir = Files.createTempDirectory("asgard-sshd");
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Path userKey = dir.resolve("id_ed25519");
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "asgard-test-host", "-f", hostKey.toString()));
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "asgard-test-user", "-f", userKey.toString()));
        Path authorized = dir.resolve("authorized_keys");
        Files.copy(Path.of(userKey + ".pub"), authorized);
        Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-------"));
        int port = freePort();
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + Files.readString(Path.of(hostKey + ".pub")));
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + hostKey,
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + authorized,
                "AuthenticationMethods publickey",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "AllowUsers " + System.getProperty("user.name"),
                "UsePAM no",
                // the temporary folder's parents are not root-owned in every CI
                "StrictModes no",
                "X11Forwarding no",
                "AllowTcpForwarding no",
                "Subsystem sftp internal-sftp",
                "LogLevel INFO",
                ""));
        if ("root".equals(System.getProperty("user.name")) && !Files.isDirectory(Path.of("/run/sshd"))) {
            Files.createDirectories(Path.of("/run/sshd"));
        }
        Path log = dir.resolve("sshd.log");
        Process p = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("sshd exited with " + p.exitValue() + ": " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new SshServer(dir, port, p, userKey, knownHosts);
            } catch (IOException notYet) {
                sleep();
            }
        }
        p.destroyForcibly();
        throw new IOException("sshd did not listen on 127.0.0.1:" + port + ": " + Files.readString(log));
    }

    /** @return the login user (the current user) */
    public String user() {
        return System.getProperty("user.name");
    }

    /** @return the port */
    public int port() {
        return port;
    }

    /**
     * @param path an absolute path on this machine
     * @return a restic repository URL for it through this server
     */
    public String resticUrl(Path path) {
        return "sftp:" + user() + "@127.0.0.1:" + path;
    }

    /**
     * @return the command restic runs to reach this server ({@code -o sftp.command=...}): ssh with the generated
     *         key, the generated known_hosts, no user configuration, no prompts
     */
    public String sftpCommand() {
        return "ssh -F /dev/null -p " + port + " -i " + userKey + " -o IdentitiesOnly=yes -o BatchMode=yes"
                + " -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" + knownHosts + " " + user()
                + "@127.0.0.1 -s sftp";
    }

    /** @return sshd's log so far */
    public String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }
}
