package dev.asgard.backup.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;

import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.service.RepositoryService;
import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.backup.v1.BackendType;
import dev.asgard.proto.backup.v1.BackupServiceGrpc;
import dev.asgard.proto.backup.v1.CheckOutcome;
import dev.asgard.proto.backup.v1.CreateJobRequest;
import dev.asgard.proto.backup.v1.CreateRepositoryRequest;
import dev.asgard.proto.backup.v1.DeleteJobRequest;
import dev.asgard.proto.backup.v1.DeleteRepositoryRequest;
import dev.asgard.proto.backup.v1.FileSource;
import dev.asgard.proto.backup.v1.GetRepositoryRequest;
import dev.asgard.proto.backup.v1.InitRepositoryRequest;
import dev.asgard.proto.backup.v1.Job;
import dev.asgard.proto.backup.v1.ListRepositoriesRequest;
import dev.asgard.proto.backup.v1.ListRepositoriesResponse;
import dev.asgard.proto.backup.v1.Repository;
import dev.asgard.proto.backup.v1.RepositorySecrets;
import dev.asgard.proto.backup.v1.Schedule;
import dev.asgard.proto.backup.v1.UpdateRepositoryRequest;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;

/** The repository RPCs over a real gRPC channel with administrator and viewer tokens, against real restic. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RepositoryGrpcTest {

    /** Generated per run, as the style asks: no secret in a committed file. */
    static final String PASSWORD = "grpc-repo-" + UUID.randomUUID();
    static final String SECRET_VALUE = "backend-secret-" + UUID.randomUUID();

    static Path root;

    @TestHTTPResource("/")
    URL url;

    @Inject
    RepositoryService service;

    private ManagedChannel channel;
    private BackupServiceGrpc.BackupServiceBlockingStub admin;
    private BackupServiceGrpc.BackupServiceBlockingStub viewer;

    @BeforeAll
    static void tempRoot() throws Exception {
        root = Files.createTempDirectory("asgard-grpc-repos");
    }

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
        admin = BackupServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(DeviceTokens.credentials(TestTokens.admin()))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        viewer = BackupServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(DeviceTokens.credentials(TestTokens.viewer()))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void createGetListUpdateInitAndDelete() {
        String name = unique("crud");
        Repository created = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(local(name).setDescription("the NAS").putLabels("site", "home")
                        .putLabels("asgard.dev/tier", "gold")
                        .setCheckSchedule(Schedule.newBuilder().setCron("0 4 * * 0").setTimeZone("Europe/Berlin"))
                        .setCheckReadData(true).setCheckReadDataSubset("10%")
                        // Output-only fields are ignored.
                        .setRepositoryId("not-an-id").setRevision(99).setPasswordSet(false))
                .setSecrets(secrets()).build()).getRepository();
        assertNotEquals("not-an-id", created.getRepositoryId());
        UUID.fromString(created.getRepositoryId());
        assertEquals(BackendType.BACKEND_TYPE_LOCAL, created.getBackend());
        assertEquals(Map.of("site", "home", "asgard.dev/tier", "gold"), created.getLabelsMap());
        assertEquals("0 4 * * 0", created.getCheckSchedule().getCron());
        assertEquals("Europe/Berlin", created.getCheckSchedule().getTimeZone());
        assertTrue(created.getCheckReadData());
        assertEquals("10%", created.getCheckReadDataSubset());
        assertTrue(created.getPasswordSet());
        assertEquals(List.of("EXTRA_TOKEN"), created.getBackendSecretNamesList());
        assertTrue(created.getRevision() > 0);
        assertFalse(created.getState().getInitialized());
        assertEquals(CheckOutcome.CHECK_OUTCOME_UNSPECIFIED, created.getState().getLastCheckOutcome());
        assertNoSecret(created);

        Repository read = viewer.getRepository(GetRepositoryRequest.newBuilder()
                .setRepositoryId(created.getRepositoryId()).build()).getRepository();
        assertEquals(created, read);
        assertTrue(listAll(BackendType.BACKEND_TYPE_UNSPECIFIED).contains(created.getRepositoryId()));
        assertTrue(listAll(BackendType.BACKEND_TYPE_LOCAL).contains(created.getRepositoryId()));
        assertFalse(listAll(BackendType.BACKEND_TYPE_S3).contains(created.getRepositoryId()));

        Repository initialized = admin.initRepository(InitRepositoryRequest.newBuilder()
                .setRepositoryId(created.getRepositoryId()).build()).getRepository();
        assertTrue(initialized.getState().getInitialized());
        assertTrue(initialized.getState().getReachable());
        assertTrue(initialized.getState().hasObserveTime());
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> admin.initRepository(
                InitRepositoryRequest.newBuilder().setRepositoryId(created.getRepositoryId()).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, again.getStatus().getCode());
        assertEquals("REPOSITORY_ALREADY_INITIALIZED", GrpcErrors.reason(again).orElseThrow());

        long revision = viewer.getRepository(GetRepositoryRequest.newBuilder()
                .setRepositoryId(created.getRepositoryId()).build()).getRepository().getRevision();
        Repository updated = admin.updateRepository(UpdateRepositoryRequest.newBuilder()
                .setRepository(Repository.newBuilder().setRepositoryId(created.getRepositoryId())
                        .setName(name + "-x").setDescription("moved").putLabels("site", "office")
                        .setUrl("/ignored/not/in/mask"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("name").addPaths("description").addPaths("labels")
                        .addPaths("check_schedule"))
                .setExpectedRevision(revision).build()).getRepository();
        assertEquals(name + "-x", updated.getName());
        assertEquals("moved", updated.getDescription());
        assertEquals(Map.of("site", "office"), updated.getLabelsMap());
        assertFalse(updated.hasCheckSchedule(), "check_schedule in the mask but unset: checks on demand only");
        assertEquals(created.getUrl(), updated.getUrl(), "fields outside the mask stay");
        assertTrue(updated.getCheckReadData(), "fields outside the mask stay");
        assertTrue(updated.getState().getInitialized(), "the state stays while the location stays");
        assertEquals(revision + 1, updated.getRevision(), "one change, one revision");
        assertTrue(updated.getUpdateTime().getSeconds() >= created.getUpdateTime().getSeconds());

        // With the refresh, restic is asked (with the stored password, which still opens the repository).
        Repository refreshed = viewer.getRepository(GetRepositoryRequest.newBuilder()
                .setRepositoryId(created.getRepositoryId()).setRefreshState(true).build()).getRepository();
        assertTrue(refreshed.getState().getReachable());
        assertEquals("", refreshed.getState().getLastError());
        assertEquals(0, refreshed.getState().getSnapshotCount());

        assertEquals(created.getRepositoryId(), admin.deleteRepository(DeleteRepositoryRequest.newBuilder()
                .setRepositoryId(created.getRepositoryId()).build()).getRepositoryId());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> viewer.getRepository(
                GetRepositoryRequest.newBuilder().setRepositoryId(created.getRepositoryId()).build()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
        assertEquals("REPOSITORY_NOT_FOUND", GrpcErrors.reason(gone).orElseThrow());
        assertTrue(Files.exists(Path.of(created.getUrl(), "config")), "the data stays in the storage");
    }

    @Test
    void createWithTheSameRequestIdReturnsTheFirstRepository() {
        String key = UUID.randomUUID().toString();
        String name = unique("idem");
        Repository first = admin.createRepository(CreateRepositoryRequest.newBuilder().setRepository(local(name))
                .setSecrets(secrets()).setRequestId(key).build()).getRepository();
        Repository retry = admin.createRepository(CreateRepositoryRequest.newBuilder().setRepository(local(name))
                .setSecrets(secrets()).setRequestId(key).build()).getRepository();
        assertEquals(first, retry);
        // The key decides, not the body: a retry is the same request, whatever it carries.
        Repository other = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(local(unique("idem-other"))).setSecrets(secrets()).setRequestId(key).build())
                .getRepository();
        assertEquals(first.getRepositoryId(), other.getRepositoryId());
        // Without a key, the same name is taken.
        StatusRuntimeException taken = assertThrows(StatusRuntimeException.class, () -> admin.createRepository(
                CreateRepositoryRequest.newBuilder().setRepository(local(name)).setSecrets(secrets()).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, taken.getStatus().getCode());
        assertEquals("REPOSITORY_NAME_TAKEN", GrpcErrors.reason(taken).orElseThrow());
        // Another key is another repository.
        Repository second = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(local(unique("idem-2"))).setSecrets(secrets())
                .setRequestId(UUID.randomUUID().toString()).build()).getRepository();
        assertNotEquals(first.getRepositoryId(), second.getRepositoryId());
    }

    @Test
    void secretsUpdatePartlyAndANewPasswordIsVerified() throws Throwable {
        Repository repo = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(local(unique("secrets")))
                .setSecrets(RepositorySecrets.newBuilder().setPassword(PASSWORD).putBackendSecrets("TOKEN_A", "a-1")
                        .putBackendSecrets("TOKEN_B", "b-1"))
                .build()).getRepository();
        String id = repo.getRepositoryId();
        admin.initRepository(InitRepositoryRequest.newBuilder().setRepositoryId(id).build());

        // An empty password keeps the stored one; a given backend secret replaces only its own name; a removal
        // removes only the one named; nothing in the mask changes nothing else.
        Repository updated = admin.updateRepository(UpdateRepositoryRequest.newBuilder()
                .setRepository(Repository.newBuilder().setRepositoryId(id))
                .setSecrets(RepositorySecrets.newBuilder().putBackendSecrets("TOKEN_B", "b-2")
                        .putBackendSecrets("TOKEN_C", SECRET_VALUE))
                .addRemoveBackendSecrets("TOKEN_A").build()).getRepository();
        assertEquals(List.of("TOKEN_B", "TOKEN_C"), updated.getBackendSecretNamesList());
        assertEquals(repo.getName(), updated.getName());
        assertNoSecret(updated);
        ResticRepo stored = await(() -> service.resticRepo(UUID.fromString(id)));
        assertEquals(PASSWORD, stored.password());
        assertEquals(Map.of("TOKEN_B", "b-2", "TOKEN_C", SECRET_VALUE), stored.backendSecrets());

        // A password that does not open the repository is refused, and nothing changes.
        StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class, () -> admin.updateRepository(
                UpdateRepositoryRequest.newBuilder().setRepository(Repository.newBuilder().setRepositoryId(id)
                        .setDescription("not applied"))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                        .setSecrets(RepositorySecrets.newBuilder().setPassword("wrong-password-123")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, wrong.getStatus().getCode());
        assertEquals("WRONG_REPOSITORY_PASSWORD", GrpcErrors.reason(wrong).orElseThrow());
        Repository after = viewer.getRepository(GetRepositoryRequest.newBuilder().setRepositoryId(id).build())
                .getRepository();
        assertEquals(updated, after);
        assertEquals(PASSWORD, await(() -> service.resticRepo(UUID.fromString(id))).password());

        // The actual password is accepted.
        Repository same = admin.updateRepository(UpdateRepositoryRequest.newBuilder()
                .setRepository(Repository.newBuilder().setRepositoryId(id))
                .setSecrets(RepositorySecrets.newBuilder().setPassword(PASSWORD)).build()).getRepository();
        assertTrue(same.getRevision() > after.getRevision());

        // Removing a secret that is not stored is bad input.
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> admin.updateRepository(
                UpdateRepositoryRequest.newBuilder().setRepository(Repository.newBuilder().setRepositoryId(id))
                        .addRemoveBackendSecrets("TOKEN_A").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, unknown.getStatus().getCode());
        assertEquals(List.of("removeBackendSecrets[0]"), fields(unknown));
        assertNoSecretInLog();
    }

    @Test
    void staleExpectedRevisionIsAbortedAndChangesNothing() {
        Repository repo = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(local(unique("stale"))).setSecrets(secrets()).build()).getRepository();
        Repository changed = admin.updateRepository(UpdateRepositoryRequest.newBuilder()
                .setRepository(Repository.newBuilder().setRepositoryId(repo.getRepositoryId()).setDescription("first"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                .setExpectedRevision(repo.getRevision()).build()).getRepository();
        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> admin.updateRepository(
                UpdateRepositoryRequest.newBuilder().setRepository(Repository.newBuilder()
                        .setRepositoryId(repo.getRepositoryId()).setDescription("second"))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                        .setExpectedRevision(repo.getRevision()).build()));
        assertEquals(Status.Code.ABORTED, stale.getStatus().getCode());
        assertEquals("REPOSITORY_REVISION_MISMATCH", GrpcErrors.reason(stale).orElseThrow());
        assertEquals(changed, viewer.getRepository(GetRepositoryRequest.newBuilder()
                .setRepositoryId(repo.getRepositoryId()).build()).getRepository());
    }

    @Test
    void badInputIsInvalidArgumentWithFieldViolationsAndChangesNothing() {
        String name = "Bad Name";
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> admin.createRepository(
                CreateRepositoryRequest.newBuilder().setRepository(Repository.newBuilder().setName(name)
                        .setUrl("relative/path").putLabels("bad label", "x")
                        .setCheckSchedule(Schedule.newBuilder().setCron("99 * * * *")))
                        .setSecrets(RepositorySecrets.newBuilder().setPassword("short")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertTrue(fields(bad).containsAll(List.of("name", "backend", "password", "labels.bad label",
                "checkSchedule.cron")), fields(bad).toString());
        StatusRuntimeException url = assertThrows(StatusRuntimeException.class, () -> admin.createRepository(
                CreateRepositoryRequest.newBuilder().setRepository(local(unique("bad")).setUrl("relative/path")
                        .setCheckReadDataSubset("200%"))
                        .setSecrets(secrets()).build()));
        assertEquals(List.of("url", "checkReadDataSubset"), fields(url));
        StatusRuntimeException noPassword = assertThrows(StatusRuntimeException.class, () -> admin.createRepository(
                CreateRepositoryRequest.newBuilder().setRepository(local(unique("bad"))).build()));
        assertEquals(List.of("password"), fields(noPassword));

        Repository repo = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(local(unique("bad"))).setSecrets(secrets()).build()).getRepository();
        for (UpdateRepositoryRequest u : List.of(
                // an output-only or unknown path
                update(repo, Repository.newBuilder().setRevision(7), "revision"),
                update(repo, Repository.newBuilder(), "check_schedule.cron"),
                // nothing to do
                UpdateRepositoryRequest.newBuilder().setRepository(Repository.newBuilder()
                        .setRepositoryId(repo.getRepositoryId())).build(),
                // a bad value among good ones: nothing applies
                update(repo, Repository.newBuilder().setDescription("changed").setUrl("sftp:nas:/x"), "description",
                        "url"),
                update(repo, Repository.newBuilder().setBackend(BackendType.BACKEND_TYPE_S3), "backend"),
                update(repo, Repository.newBuilder().setCheckSchedule(Schedule.newBuilder().setCron("0 4 * * *")
                        .setTimeZone("Mars/Olympus")), "check_schedule"),
                update(repo, Repository.newBuilder().setName("UPPER"), "name"))) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> admin.updateRepository(u));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), u.toString());
            assertFalse(fields(e).isEmpty(), u.toString());
        }
        assertEquals(repo, viewer.getRepository(GetRepositoryRequest.newBuilder()
                .setRepositoryId(repo.getRepositoryId()).build()).getRepository(), "nothing changed");
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> viewer.getRepository(GetRepositoryRequest.newBuilder().setRepositoryId("nope").build()))
                .getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> viewer.listRepositories(ListRepositoriesRequest.newBuilder().setPageSize(-1).build()))
                .getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> viewer.listRepositories(ListRepositoriesRequest.newBuilder().setPageToken("garbage").build()))
                .getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> admin.createRepository(CreateRepositoryRequest.newBuilder().setRepository(local(unique("k")))
                        .setSecrets(secrets()).setRequestId("x".repeat(200)).build())).getStatus().getCode());
    }

    @Test
    void aRepositoryThatJobsUseIsNotDeleted() throws Exception {
        Repository repo = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(local(unique("used"))).setSecrets(secrets()).build()).getRepository();
        Job job = admin.createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName(unique("job"))
                .setRepositoryId(repo.getRepositoryId())
                .setFiles(FileSource.newBuilder().addPaths(root.toString()))).build()).getJob();
        StatusRuntimeException inUse = assertThrows(StatusRuntimeException.class, () -> admin.deleteRepository(
                DeleteRepositoryRequest.newBuilder().setRepositoryId(repo.getRepositoryId()).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, inUse.getStatus().getCode());
        assertEquals("REPOSITORY_IN_USE", GrpcErrors.reason(inUse).orElseThrow());
        admin.deleteJob(DeleteJobRequest.newBuilder().setJobId(job.getJobId()).build());
        admin.deleteRepository(DeleteRepositoryRequest.newBuilder().setRepositoryId(repo.getRepositoryId()).build());
    }

    @Test
    void viewersReadAdministratorsWriteAndAnonymousCallersAreRefused() {
        Repository repo = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(local(unique("roles"))).setSecrets(secrets()).build()).getRepository();
        String id = repo.getRepositoryId();
        assertEquals(repo, viewer.getRepository(GetRepositoryRequest.newBuilder().setRepositoryId(id).build())
                .getRepository());
        assertTrue(listAll(BackendType.BACKEND_TYPE_UNSPECIFIED).contains(id));
        List<Runnable> writes = List.of(
                () -> viewer.createRepository(CreateRepositoryRequest.newBuilder().setRepository(local(unique("v")))
                        .setSecrets(secrets()).build()),
                () -> viewer.updateRepository(update(repo, Repository.newBuilder().setDescription("v"),
                        "description")),
                () -> viewer.deleteRepository(DeleteRepositoryRequest.newBuilder().setRepositoryId(id).build()),
                () -> viewer.initRepository(InitRepositoryRequest.newBuilder().setRepositoryId(id).build()));
        for (Runnable write : writes) {
            assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class, write::run)
                    .getStatus().getCode());
        }
        BackupServiceGrpc.BackupServiceBlockingStub anonymous = BackupServiceGrpc.newBlockingStub(channel);
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> anonymous.getRepository(GetRepositoryRequest.newBuilder().setRepositoryId(id).build()))
                .getStatus().getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> anonymous.createRepository(CreateRepositoryRequest.newBuilder()
                        .setRepository(local(unique("anon"))).setSecrets(secrets()).build())).getStatus().getCode());
        assertEquals(repo, viewer.getRepository(GetRepositoryRequest.newBuilder().setRepositoryId(id).build())
                .getRepository(), "refused writes changed nothing");
    }

    private List<String> listAll(BackendType backend) {
        List<String> ids = new java.util.ArrayList<>();
        String token = "";
        do {
            ListRepositoriesResponse page = viewer.listRepositories(ListRepositoriesRequest.newBuilder()
                    .setBackend(backend).setPageSize(2).setPageToken(token).build());
            page.getRepositoriesList().forEach(r -> {
                assertNoSecret(r);
                assertTrue(backend == BackendType.BACKEND_TYPE_UNSPECIFIED || r.getBackend() == backend);
            });
            page.getRepositoriesList().forEach(r -> ids.add(r.getRepositoryId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return ids;
    }

    static Repository.Builder local(String name) {
        return Repository.newBuilder().setName(name).setBackend(BackendType.BACKEND_TYPE_LOCAL)
                .setUrl(root.resolve(name).toString());
    }

    static RepositorySecrets secrets() {
        return RepositorySecrets.newBuilder().setPassword(PASSWORD).putBackendSecrets("EXTRA_TOKEN", SECRET_VALUE)
                .build();
    }

    private static UpdateRepositoryRequest update(Repository repo, Repository.Builder values, String... paths) {
        return UpdateRepositoryRequest.newBuilder()
                .setRepository(values.setRepositoryId(repo.getRepositoryId()))
                .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths))).build();
    }

    private static List<String> fields(StatusRuntimeException e) {
        return GrpcErrors.badRequest(e).orElseThrow().getFieldViolationsList().stream().map(v -> v.getField())
                .toList();
    }

    static void assertNoSecret(Message m) {
        String text = m.toString();
        assertFalse(text.contains(PASSWORD), "the password is never returned");
        assertFalse(text.contains(SECRET_VALUE), "backend secrets are never returned");
    }

    static void assertNoSecretInLog() throws Exception {
        Path log = Path.of("target/backup-agent-test.log");
        if (Files.exists(log)) {
            String text = Files.readString(log);
            assertFalse(text.contains(PASSWORD), "the password is never logged");
            assertFalse(text.contains(SECRET_VALUE), "backend secrets are never logged");
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static <T> T await(Supplier<io.smallrye.mutiny.Uni<T>> uni) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(uni);
    }
}
