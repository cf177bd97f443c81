package dev.asgard.commons.leader;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/**
 * Gives a service one started {@link LeaderElection} per election name, on the service's reactive datasource, and
 * stops them (releasing their leases) when the application shuts down.
 *
 * <pre>{@code
 * LeaderElection leader = leaderElections.forName("registry-sweeper");
 * ...
 * leader.runIfLeader(epoch -> sweeper.sweep(epoch));   // empty result on the other replicas
 * }</pre>
 *
 * <p>Metrics per election, tag {@code name}: {@code asgard.leader.is_leader} (gauge, 1 while this replica leads) and
 * {@code asgard.leader.elections} (counter, terms this replica won).
 */
@ApplicationScoped
public class LeaderElections {

    private static final Logger LOG = Logger.getLogger(LeaderElections.class);

    private final LeaderConfig config;
    private final Vertx vertx;
    private final Instance<Pool> pool;
    private final MeterRegistry registry;
    private final Optional<String> schema;
    private final Map<String, LeaderElection> elections = new ConcurrentHashMap<>();

    private volatile boolean shuttingDown;

    /**
     * @param config election settings
     * @param vertx the application's Vert.x
     * @param pool the service's reactive PostgreSQL pool (resolved on first use, so services without a reactive
     *        datasource that never elect a leader still start)
     * @param registry where the metrics go
     * @param defaultSchema Hibernate's default schema: the service's schema, which holds {@code leader_lease}
     */
    public LeaderElections(LeaderConfig config, Vertx vertx, Instance<Pool> pool, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") Optional<String> defaultSchema) {
        this.config = config;
        this.vertx = vertx;
        this.pool = pool;
        this.registry = registry;
        this.schema = config.schema().or(() -> defaultSchema).filter(s -> !s.isBlank());
    }

    /**
     * @param name the election, e.g. {@code registry-sweeper}; one lease row
     * @return this replica's elector for it, started on first call (unless {@code asgard.leader.enabled=false})
     */
    public LeaderElection forName(String name) {
        if (shuttingDown) {
            throw new IllegalStateException("shutting down: no new leader election " + name);
        }
        return elections.computeIfAbsent(name, this::create);
    }

    private LeaderElection create(String name) {
        LeaderElection.Builder builder = LeaderElection.builder(name, pool.get(), vertx)
                .schema(schema.orElse(null))
                .lease(config.lease());
        config.renewInterval().ifPresent(builder::renewInterval);
        config.safetyMargin().ifPresent(builder::safetyMargin);
        config.holderId().filter(id -> !id.isBlank()).ifPresent(builder::holderId);
        LeaderElection election = builder.build();
        Counter elected = Counter.builder("asgard.leader.elections")
                .description("Leadership terms this replica won")
                .tag("name", name)
                .register(registry);
        Gauge.builder("asgard.leader.is_leader", election, e -> e.isLeader() ? 1 : 0)
                .description("1 while this replica leads the election")
                .tag("name", name)
                .register(registry);
        election.addListener(new LeadershipListener() {
            @Override
            public void onElected(long epoch) {
                elected.increment();
            }
        });
        if (config.enabled()) {
            election.start();
        } else {
            LOG.infof("Leader election %s not started (asgard.leader.enabled=false): this replica never leads", name);
        }
        return election;
    }

    void onStop(@Observes ShutdownEvent event) {
        shuttingDown = true;
        List<Uni<Void>> stops = elections.values().stream().map(LeaderElection::stop).toList();
        if (stops.isEmpty()) {
            return;
        }
        // Each stop gives up after one lease by itself; the extra second only guards against a stuck event loop.
        Uni.join().all(stops).andCollectFailures().replaceWithVoid()
                .await().atMost(config.lease().plus(Duration.ofSeconds(1)));
    }
}
