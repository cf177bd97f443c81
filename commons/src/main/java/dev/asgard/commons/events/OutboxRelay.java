package dev.asgard.commons.events;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Sends committed outbox rows to Kafka, at least once and in insertion order.
 *
 * <p>Each pass runs in one database transaction: it takes a PostgreSQL transaction-level advisory lock
 * named after the service's schema ({@code pg_try_advisory_xact_lock}), so only one replica relays a
 * given outbox at a time and rows leave in {@code seq} order; reads up to {@code batch-size} rows;
 * sends them through the {@link EventChannels#OUTBOX} channel with topic, key and CloudEvents headers
 * ({@link OutboxRecords}); waits until Kafka acknowledged every one; deletes them; commits, without waiting for
 * the WAL flush (a commit lost in a crash only sends the rows again). Any failure rolls the pass back, so the rows
 * are sent again by a later pass: consumers deduplicate on {@code ce_id}.
 *
 * <p>Why a self-rescheduling Vert.x timer loop and not {@code @Scheduled}: Quarkus' simple scheduler
 * checks its triggers once per second, so it cannot poll every 200 ms; and a loop decides its own next
 * delay, which gives three behaviours for free: immediately again while a backlog drains (full batch),
 * the poll interval when idle, and an exponential backoff (poll interval doubling up to
 * {@code max-backoff}, with jitter) after failures, so a Kafka or database outage does not spin. Passes
 * never overlap because the next one is scheduled only when the previous one ended.
 *
 * <p>Metrics: {@code asgard.outbox.relayed} (counter, rows), {@code asgard.outbox.failures} (counter,
 * failed passes), {@code asgard.outbox.lag} (gauge, seconds: age of the oldest pending row at the
 * start of the last pass, 0 when the outbox was empty), {@code asgard.outbox.vacuums} (counter, see
 * {@link OutboxConfig#vacuumAfter()}).
 *
 * <p>The outbox is a queue table: every row is inserted once and deleted a moment later. After each
 * {@code vacuum-after} relayed rows the loop vacuums it itself, because the dead index entries the deletes
 * leave pile up at the head of the {@code seq} index that every pass starts from, far faster than
 * autovacuum's once-a-minute visits remove them (docs/benchmarks.md, lock-service run N).
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    /**
     * The pass's lock, and its commit made asynchronous ({@code synchronous_commit = off} for this transaction only):
     * the pass only deletes rows Kafka already acknowledged, so a commit lost in a database crash means those rows
     * are sent again (consumers deduplicate on {@code ce_id}), and a pass no longer waits for a WAL flush of its own
     * or puts one in front of the services' commits.
     */
    private static final String TRY_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)),"
            + " set_config('synchronous_commit', 'off', true)";

    private final Pool pool;
    private final String selectOldest;
    private final String deleteRelayed;
    private final String vacuum;
    private final MutinyEmitter<byte[]> emitter;
    private final OutboxConfig config;
    private final Vertx vertx;
    private final Clock clock;
    private final String source;
    private final String lockName;
    private final Counter relayedCounter;
    private final Counter failureCounter;
    private final JsonPayloads jsonPayloads;
    private final AtomicLong lagMillis = new AtomicLong();
    private final Counter vacuumCounter;
    /** Rows the loop relayed since its last vacuum; only the loop touches it, and its passes never overlap. */
    private long relayedSinceVacuum;

    private volatile boolean running;
    private volatile long timerId = -1;
    private volatile int consecutiveFailures;

    /**
     * @param pool the reactive PostgreSQL pool: a pass is plain SQL (no ORM session, no entity hydration), in the
     *        same table both event publishers write
     * @param emitter the outgoing Kafka channel
     * @param config outbox settings
     * @param vertx the application's Vert.x, for timers and contexts
     * @param clock the application clock, for the lag gauge
     * @param registry where the metrics go
     * @param applicationName {@code quarkus.application.name}, the default {@code ce_source}
     * @param defaultSchema Hibernate's default schema: the service's schema, which names the advisory lock
     * @param jsonTypes the message types this service's SQL writes as JSON rows ({@link JsonPayloads}), if any
     */
    public OutboxRelay(Pool pool,
            @Channel(EventChannels.OUTBOX) MutinyEmitter<byte[]> emitter,
            OutboxConfig config,
            Vertx vertx,
            Clock clock,
            MeterRegistry registry,
            @ConfigProperty(name = "quarkus.application.name") String applicationName,
            @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") Optional<String> defaultSchema,
            Instance<OutboxJsonTypes> jsonTypes) {
        this.pool = pool;
        this.jsonPayloads = jsonTypes.isResolvable() ? new JsonPayloads(jsonTypes.get()) : null;
        String table = defaultSchema.filter(s -> !s.isBlank()).map(s -> "\"" + s.replace("\"", "\"\"") + "\".outbox")
                .orElse("outbox");
        this.selectOldest = "SELECT id, seq, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type"
                + " FROM " + table + " ORDER BY seq LIMIT $1";
        // By seq, not by id: the rows of a pass are neighbours in the seq index (one or two leaf pages), while their
        // random UUIDs are scattered over the whole primary key.
        this.deleteRelayed = "DELETE FROM " + table + " WHERE seq = ANY($1)";
        // SKIP_LOCKED: if autovacuum (or another replica's relay) is vacuuming the table, there is nothing to add.
        this.vacuum = "VACUUM (SKIP_LOCKED) " + table;
        this.emitter = emitter;
        this.config = config;
        this.vertx = vertx;
        this.clock = clock;
        this.source = config.source().filter(s -> !s.isBlank()).orElse(applicationName);
        // The lock guards one outbox table, and the table is identified by its schema: services sharing a
        // schema share the table and must share the lock too.
        this.lockName = "asgard.outbox:" + defaultSchema.filter(s -> !s.isBlank()).orElse("<search_path>");
        this.relayedCounter = Counter.builder("asgard.outbox.relayed")
                .description("Outbox rows sent to Kafka and acknowledged")
                .baseUnit("events")
                .register(registry);
        this.failureCounter = Counter.builder("asgard.outbox.failures")
                .description("Outbox relay passes that failed and were rolled back")
                .register(registry);
        this.vacuumCounter = Counter.builder("asgard.outbox.vacuums")
                .description("VACUUMs of the outbox table run by the relay (asgard.outbox.vacuum-after)")
                .register(registry);
        Gauge.builder("asgard.outbox.lag", lagMillis, millis -> millis.get() / 1000.0)
                .description("Age of the oldest pending outbox row at the start of the last relay pass")
                .baseUnit("seconds")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            LOG.info("Outbox relay loop disabled (asgard.outbox.enabled=false)");
            return;
        }
        running = true;
        schedule(config.pollInterval());
        LOG.infof("Outbox relay started: source=%s, lock=%s, poll-interval=%s, batch-size=%d",
                source, lockName, config.pollInterval(), config.batchSize());
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        long id = timerId;
        if (id >= 0) {
            vertx.cancelTimer(id);
        }
    }

    /**
     * Runs one relay pass now, in its own transaction and on its own Vert.x context, whatever thread calls
     * it (a test thread, a Vert.x event loop). The relay loop uses the same method; if it is enabled, it may
     * relay rows before a test's call does.
     *
     * @return how many rows were sent and deleted; 0 if the outbox was empty or another replica holds the
     *         relay lock
     */
    public Uni<Integer> relayOnce() {
        return Uni.createFrom().deferred(() -> {
            Context caller = Vertx.currentContext();
            // A fresh, safe duplicated context: the pass must not join whatever transaction the caller happens to have.
            Context relayContext = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(relayContext, true);
            Uni<Integer> pass = Uni.createFrom().emitter(result -> relayContext.runOnContext(
                    ignored -> pass(relayContext).subscribe().with(result::complete, result::fail)));
            return caller == null ? pass : pass.emitOn(task -> caller.runOnContext(ignored -> task.run()));
        });
    }

    /** @return the {@code ce_source} this relay writes */
    public String source() {
        return source;
    }

    private Uni<Integer> pass(Context context) {
        return pool.withTransaction(tx -> tx.preparedQuery(TRY_LOCK).execute(Tuple.of(lockName))
                .chain(locked -> Boolean.TRUE.equals(locked.iterator().next().getBoolean(0))
                        ? relayBatch(tx, context) : Uni.createFrom().item(0)));
    }

    private Uni<Integer> relayBatch(SqlClient tx, Context context) {
        return tx.preparedQuery(selectOldest).execute(Tuple.of(config.batchSize())).chain(found -> {
            List<OutboxEvent> rows = new ArrayList<>(found.size());
            Long[] seqs = new Long[found.size()];
            for (Row r : found) {
                seqs[rows.size()] = r.getLong("seq");
                rows.add(sendable(new OutboxEvent(r.getUUID("id"), r.getString("topic"), r.getString("record_key"),
                        r.getString("ce_type"), r.getString("ce_subject"), r.getOffsetDateTime("ce_time").toInstant(),
                        r.getBuffer("payload").getBytes(), r.getString("payload_type"))));
            }
            lagMillis.set(rows.isEmpty() ? 0 : Math.max(0, clock.millis() - rows.get(0).getCeTime().toEpochMilli()));
            if (rows.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            return send(rows)
                    // Kafka acknowledges on its own threads; the transaction continues on the pass's context.
                    .emitOn(task -> context.runOnContext(ignored -> task.run()))
                    .chain(() -> tx.preparedQuery(deleteRelayed).execute(Tuple.of(seqs)))
                    .map(deleted -> {
                        if (deleted.rowCount() != rows.size()) {
                            LOG.warnf("Relayed %d outbox rows but deleted %d; another relay without the lock?",
                                    rows.size(), deleted.rowCount());
                        }
                        relayedCounter.increment(rows.size());
                        return rows.size();
                    });
        });
    }

    /** A row with its payload as protobuf: JSON rows are parsed and serialized ({@link JsonPayloads}). */
    private OutboxEvent sendable(OutboxEvent row) {
        if (!JsonPayloads.isJson(row.getPayloadType())) {
            return row;
        }
        if (jsonPayloads == null) {
            throw new IllegalStateException("Outbox row " + row.getId() + " is JSON (" + row.getPayloadType()
                    + ") but this service produces no OutboxJsonTypes bean");
        }
        return jsonPayloads.toProtobuf(row);
    }

    private Uni<Void> send(List<OutboxEvent> rows) {
        // All sends are started in seq order (Uni.join subscribes in list order) and the Kafka producer keeps
        // that order per partition. The pass then waits for every acknowledgement, success or not, so normally
        // no send of this pass is still in flight when the next pass starts; only when send-timeout cuts the
        // wait short can a late send land after the next pass resent the same rows (a duplicate, which
        // at-least-once delivery allows).
        List<Uni<Void>> sends = rows.stream()
                .map(row -> emitter.sendMessage(OutboxRecords.message(row, source)))
                .toList();
        return Uni.join().all(sends).andCollectFailures()
                .ifNoItem().after(config.sendTimeout())
                .failWith(() -> new IllegalStateException("Kafka did not acknowledge " + rows.size()
                        + " outbox rows within asgard.outbox.send-timeout=" + config.sendTimeout()))
                .replaceWithVoid();
    }

    private void loop() {
        if (!running) {
            return;
        }
        relayOnce().subscribe().with(
                relayed -> {
                    consecutiveFailures = 0;
                    // A full batch means more rows are probably waiting: go again at once.
                    Duration next = relayed >= config.batchSize() ? Duration.ofMillis(1) : config.pollInterval();
                    relayedSinceVacuum += relayed;
                    if (config.vacuumAfter() > 0 && relayedSinceVacuum >= config.vacuumAfter()) {
                        relayedSinceVacuum = 0;
                        vacuum().subscribe().with(ignored -> schedule(next), ignored -> schedule(next));
                    } else {
                        schedule(next);
                    }
                },
                failure -> {
                    consecutiveFailures++;
                    failureCounter.increment();
                    Duration delay = backoffDelay(consecutiveFailures, config.pollInterval(), config.maxBackoff(),
                            ThreadLocalRandom.current().nextDouble());
                    // Message only, never the rows' payloads; the stack trace is available at DEBUG.
                    LOG.warnf("Outbox relay pass failed (%d in a row), rolled back, next try in %d ms: %s",
                            consecutiveFailures, delay.toMillis(), describe(failure));
                    LOG.debug("Outbox relay failure", failure);
                    schedule(delay);
                });
    }

    /**
     * Vacuums the outbox table ({@link OutboxConfig#vacuumAfter()}): removes the dead rows and index entries the
     * passes left, so the next passes find the oldest rows without walking over them. Outside any transaction, as
     * VACUUM must be; a failure (or a role that does not own the table, which PostgreSQL answers with a warning and
     * skips) costs nothing but the next passes' walk.
     */
    private Uni<Void> vacuum() {
        long begin = System.nanoTime();
        return pool.query(vacuum).execute()
                .invoke(() -> {
                    vacuumCounter.increment();
                    LOG.debugf("Vacuumed the outbox in %d ms", (System.nanoTime() - begin) / 1_000_000);
                })
                .onFailure().invoke(failure -> LOG.warnf("Vacuuming the outbox failed: %s", failure))
                .replaceWithVoid();
    }

    /**
     * The pause after {@code failures} consecutive failed passes: the poll interval doubled per failure, capped
     * at the maximum, plus up to 20% jitter (still capped) so replicas that failed together do not retry in
     * lockstep.
     *
     * @param failures consecutive failures, at least 1
     * @param pollInterval the idle poll interval
     * @param maxBackoff the cap
     * @param random a number in [0, 1) choosing the jitter
     * @return the delay before the next pass
     */
    static Duration backoffDelay(int failures, Duration pollInterval, Duration maxBackoff, double random) {
        long base = Math.max(1, pollInterval.toMillis());
        long max = Math.max(base, maxBackoff.toMillis());
        long exponential = failures >= 30 ? max : Math.min(max, base << failures);
        long jitter = (long) (exponential * 0.2 * random);
        return Duration.ofMillis(Math.min(max, exponential + jitter));
    }

    private static String describe(Throwable failure) {
        // A batch fails as a CompositeException of its failed sends; the first cause says what went wrong.
        if (failure instanceof CompositeException composite && !composite.getCauses().isEmpty()) {
            List<Throwable> causes = composite.getCauses();
            return causes.get(0) + (causes.size() > 1 ? " (and " + (causes.size() - 1) + " more failed sends)" : "");
        }
        return String.valueOf(failure);
    }

    private void schedule(Duration delay) {
        if (!running) {
            return;
        }
        timerId = vertx.setTimer(Math.max(1, delay.toMillis()), ignored -> loop());
    }
}
