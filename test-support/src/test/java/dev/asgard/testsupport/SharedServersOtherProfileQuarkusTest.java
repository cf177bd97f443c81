package dev.asgard.testsupport;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A second profile: Quarkus restarts with new class loaders, and the servers must not start a second time. */
@QuarkusTest
@TestProfile(SharedServersOtherProfileQuarkusTest.OtherProfile.class)
class SharedServersOtherProfileQuarkusTest {

    @Test
    void anotherProfileGetsTheSameServers() {
        SharedServers.assertOneServerOfEachForTheWholeJvm();
    }

    /** Any difference in configuration makes Quarkus build a separate application. */
    public static class OtherProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("asgard.test-support.profile", "other");
        }
    }
}
