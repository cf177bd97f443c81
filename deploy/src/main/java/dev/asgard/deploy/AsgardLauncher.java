package dev.asgard.deploy;

import java.io.PrintStream;
import java.util.List;

/**
 * The local launcher ({@code ./asgard start}): starts PostgreSQL, Kafka, Keycloak and the five
 * services on this machine, prints where everything is, and stops it all on Ctrl-C or SIGTERM.
 * Exit codes: 1 when the platform could not start, 2 for a usage error; after Ctrl-C or SIGTERM the
 * JVM's usual 130 or 143, once everything has stopped.
 */
public final class AsgardLauncher {

    private AsgardLauncher() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        AsgardHome home;
        LaunchOptions options;
        try {
            home = AsgardHome.locate();
            options = LaunchOptions.parse(List.of(args), home.defaultDataDir());
        } catch (UsageException e) {
            err.println("asgard: " + e.getMessage());
            err.println();
            err.print(LaunchOptions.USAGE);
            System.exit(2);
            return;
        } catch (LauncherException e) {
            err.println("asgard: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (options.command() == LaunchOptions.Command.HELP) {
            out.print(LaunchOptions.USAGE);
            return;
        }

        LocalPlatform platform = new LocalPlatform(options, home, LauncherInfo.load(), out);
        stopOnSignals(platform);
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close, "asgard-stop"));
        try {
            platform.start();
            platform.watch();
        } catch (RuntimeException e) {
            if (!platform.isStopping()) {
                err.println();
                err.println("ERROR: " + describe(e));
                platform.close();
                System.exit(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the platform on Ctrl-C, SIGTERM and SIGHUP before the JVM begins its shutdown. Shutdown
     * hooks all run at once, and PostgreSQL and Kafka register their own: stopping from a hook alone
     * would stop the database while the services still use it. The hook registered above stays as a
     * fallback for any other way the JVM ends.
     */
    private static void stopOnSignals(LocalPlatform platform) {
        for (String name : List.of("INT", "TERM", "HUP")) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                platform.close();
                System.exit(128 + signal.getNumber());
            });
        }
    }

    private static String describe(RuntimeException e) {
        if (e instanceof LauncherException) {
            return e.getMessage();
        }
        return e + (e.getCause() != null ? "\n  caused by " + e.getCause() : "");
    }
}
