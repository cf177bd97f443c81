package dev.asgard.commons.about;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;

import org.junit.jupiter.api.Test;

class BuildInfoTest {

    private static Properties properties(String... keyValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    @Test
    void commitWinsOverBuildTime() {
        assertEquals("3f2a9c1", BuildInfo.describe(properties("git.commit", "3f2a9c1", "build.time", "2025-01-31T08:00:00Z")));
    }

    @Test
    void buildTimeWhenThereIsNoCommit() {
        assertEquals("2025-01-31T08:00:00Z", BuildInfo.describe(properties("git.commit", " ", "build.time", "2025-01-31T08:00:00Z")));
    }

    @Test
    void unknownWithoutProperties() {
        assertEquals("unknown", BuildInfo.describe(new Properties()));
    }
}
