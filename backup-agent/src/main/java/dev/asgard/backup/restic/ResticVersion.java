package dev.asgard.backup.restic;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A restic version as printed by {@code restic version} ("restic 0.14.0 compiled with go1.19.8 on linux/amd64").
 *
 * @param major major
 * @param minor minor
 * @param patch patch
 */
public record ResticVersion(int major, int minor, int patch) implements Comparable<ResticVersion> {

    /** The oldest restic the agent supports: the Debian package on the lab machines (JSON status lines, exit 3). */
    public static final ResticVersion MINIMUM = new ResticVersion(0, 14, 0);

    private static final Pattern VERSION = Pattern.compile("restic (\\d+)\\.(\\d+)\\.(\\d+)");

    /**
     * @param output the output of {@code restic version} (text, or the JSON of newer versions)
     * @return the version
     * @throws IllegalArgumentException when the output names no version
     */
    public static ResticVersion parse(String output) {
        Matcher m = VERSION.matcher(output);
        if (!m.find()) {
            // restic 0.17+ `version --json`: {"message_type":"version","version":"0.17.3",...}
            Matcher json = Pattern.compile("\"version\"\\s*:\\s*\"(\\d+)\\.(\\d+)\\.(\\d+)").matcher(output);
            if (!json.find()) {
                throw new IllegalArgumentException("not a restic version: " + output.strip());
            }
            m = json;
        }
        return new ResticVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)));
    }

    /** @return whether the agent supports this version */
    public boolean supported() {
        return compareTo(MINIMUM) >= 0;
    }

    @Override
    public int compareTo(ResticVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
