package dev.asgard.registry.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.asgard.commons.leader.LeaderElection;
import dev.asgard.commons.leader.LeaderElections;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;

/**
 * The CDI side of leader election inside the registry application: an elector per name, backed by the
 * {@code registry.leader_lease} table of this service's migrations, wins the lease on the real database
 * and runs leader-only work with its fencing epoch. Failover between electors is tested in commons.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RegistryLeaderElectionTest {

    @Inject
    LeaderElections elections;

    @Test
    void aSingleReplicaBecomesLeaderAndRunsLeaderOnlyWorkWithItsEpoch() throws InterruptedException {
        LeaderElection election = elections.forName("registry-test-" + System.nanoTime());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!election.isLeader() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(election.isLeader(), "a lone replica did not win the lease within 30 s");
        Optional<Long> ran = election.runIfLeader(epoch -> Uni.createFrom().item(epoch))
                .await().atMost(Duration.ofSeconds(10));
        assertEquals(Optional.of(election.epoch()), ran);
        assertTrue(election.stillLeader(election.epoch()).await().atMost(Duration.ofSeconds(10)));
    }
}
