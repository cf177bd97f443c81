package dev.asgard.lock.messaging;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.asgard.lock.domain.LockNotice;
import dev.asgard.lock.repository.LockStore;
import dev.asgard.lock.service.LockStreams;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Wake-ups across replicas: every transaction that changes a lock queues {@code NOTIFY asgard_lock} with the name and
 * what changed ({@link LockNotice}); this replica LISTENs on one connection of its own and hands each notification to
 * the Acquire streams (which move on from the notice, or re-read the lock when it says too little) and to the Watch
 * feed. When the connection drops, it reconnects and then has both
 * re-read everything they follow, since notifications sent meanwhile are lost; a periodic resync
 * ({@code LockMaintenance}) covers anything else.
 */
@ApplicationScoped
public class LockNotifications {

    private static final Logger LOG = Logger.getLogger(LockNotifications.class);

    private final LockStreams streams;
    private final LockWatchFeed watchFeed;
    private final Vertx vertx;
    private final String url;
    private final Optional<String> username;
    private final Optional<String> password;
    private PgSubscriber subscriber;

    public LockNotifications(LockStreams streams, LockWatchFeed watchFeed, Vertx vertx,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.streams = streams;
        this.watchFeed = watchFeed;
        this.vertx = vertx;
        this.url = url;
        this.username = username;
        this.password = password;
    }

    void start(@Observes StartupEvent event) {
        PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring(15) : url);
        username.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        subscriber = PgSubscriber.subscriber(vertx, options);
        subscriber.reconnectPolicy(attempt -> 500L);
        subscriber.channel(LockStore.CHANNEL)
                .handler(payload -> {
                    LockNotice notice = LockNotice.parse(payload);
                    streams.onNotice(notice);
                    watchFeed.onNotification(notice.name());
                })
                .subscribeHandler(() -> {
                    LOG.debugf("Listening on %s", LockStore.CHANNEL);
                    streams.refreshAll();
                    watchFeed.resync();
                });
        subscriber.connect().subscribe().with(
                ignored -> LOG.infof("Listening for lock changes on channel %s", LockStore.CHANNEL),
                failure -> LOG.errorf("Could not listen for lock changes (the periodic resync still wakes waiters): %s",
                        failure.getMessage()));
    }

    void stop(@Observes ShutdownEvent event) {
        if (subscriber != null) {
            subscriber.close().subscribe().with(ignored -> {
            }, failure -> {
            });
        }
    }
}
