package dev.asgard.commons.about;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.jboss.logging.Logger;

/**
 * Reads the optional {@code META-INF/asgard-build.properties} a service may ship (generated at build time),
 * with keys {@value #COMMIT} and {@value #TIME}.
 */
public final class BuildInfo {

    /** Resource path of the build properties. */
    public static final String RESOURCE = "META-INF/asgard-build.properties";
    /** Key of the git commit. */
    public static final String COMMIT = "git.commit";
    /** Key of the build time. */
    public static final String TIME = "build.time";
    /** What {@link #describe(Properties)} answers when nothing is known. */
    public static final String UNKNOWN = "unknown";

    private static final Logger LOG = Logger.getLogger(BuildInfo.class);

    private BuildInfo() {
    }

    /**
     * The build of this application.
     *
     * @return the git commit, else the build time, else {@value #UNKNOWN}
     */
    public static String load() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = BuildInfo.class.getClassLoader();
        }
        Properties properties = new Properties();
        try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            LOG.warnf("Cannot read %s: %s", RESOURCE, e.getMessage());
        }
        return describe(properties);
    }

    /**
     * Picks the build description from properties.
     *
     * @param properties the build properties, possibly empty
     * @return the git commit, else the build time, else {@value #UNKNOWN}
     */
    public static String describe(Properties properties) {
        String commit = properties.getProperty(COMMIT, "").trim();
        if (!commit.isEmpty()) {
            return commit;
        }
        String time = properties.getProperty(TIME, "").trim();
        return time.isEmpty() ? UNKNOWN : time;
    }
}
