package dev.asgard.backup.sftp;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;
import dev.asgard.backup.restic.ResticRunner;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** An SFTP repository on a real OpenSSH server on loopback: added and initialised through REST, backed up, listed. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class SftpRepositoryTest {

    private static final String REPOS = "/api/v1/repositories";
    private static final String PASSWORD = "sftp-Test-passw0rd-" + UUID.randomUUID();

    private static SshServer sshd;

    @BeforeAll
    static void startSshd() throws Exception {
        assumeTrue(SshServer.available(), "needs /usr/sbin/sshd (Debian package openssh-server; .ci/run installs it)");
        sshd = SshServer.start();
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    @Test
    void sftpRepositoryInitBackupAndList() throws Exception {
        Path storage = Files.createTempDirectory("asgard-sftp-storage");
        Path repoDir = storage.resolve("repo");
        String url = sshd.resticUrl(repoDir);
        String name = "sftp-" + UUID.randomUUID().toString().substring(0, 8);
        String id = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(new HashMap<>(Map.of("name", name, "backend", "sftp", "url", url, "password", PASSWORD,
                        "backendOptions", Map.of("sftp.command", sshd.sftpCommand()))))
                .when().post(REPOS).then().statusCode(201).body("backend", equalTo("sftp")).extract().path("id");

        String init = given().auth().oauth2(TestTokens.admin()).when().post(REPOS + "/" + id + "/init").then()
                .extract().asString();
        assertTrue(init.contains("\"initialized\":true"), init + "\nsshd log:\n" + sshd.log());
        assertTrue(Files.isRegularFile(repoDir.resolve("config")), "the repository lives on the SFTP side");

        Path src = Files.createDirectories(storage.resolve("src"));
        Files.writeString(src.resolve("notes.txt"), "over sftp\n");
        ResticRepo repo = new ResticRepo(url, PASSWORD, Map.of(), Map.of("sftp.command", sshd.sftpCommand()));
        Restic restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(2), Duration.ofSeconds(5),
                Path.of("target/restic-cache")));
        ResticResult backup = restic.backup(repo, List.of(src.toString()), List.of("--tag", "sftp"), m -> {
        }, null).await();
        assertEquals(ResticOutcome.SUCCESS, backup.outcome(), backup.stderr());

        String list = given().auth().oauth2(TestTokens.viewer()).when().get(REPOS + "/" + id + "/snapshots")
                .then().statusCode(200).body("items", hasSize(1)).body("items[0].tags", equalTo(List.of("sftp")))
                .body("items[0].paths", equalTo(List.of(src.toString()))).extract().asString();
        assertFalse(list.contains(PASSWORD));
        given().auth().oauth2(TestTokens.admin()).when().post(REPOS + "/" + id + "/check").then().statusCode(200)
                .body("outcome", equalTo("passed"));
        given().auth().oauth2(TestTokens.admin()).when().post(REPOS + "/" + id + "/refresh").then().statusCode(200)
                .body("state.reachable", equalTo(true)).body("state.snapshotCount", equalTo(1));
    }

    @Test
    void anSftpServerThatRefusesTheKeyIsUnreachableWithAHint() throws Exception {
        // Right server and host key, but a key it does not know: BatchMode makes ssh fail at once, no prompt.
        String command = sshd.sftpCommand().replaceFirst(" -i \\S+ ", " -i /nonexistent-key ");
        assertFalse(command.equals(sshd.sftpCommand()));
        String id = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(new HashMap<>(Map.of("name", "sftp-nokey-" + UUID.randomUUID().toString().substring(0, 8),
                        "backend", "sftp", "url", sshd.resticUrl(Files.createTempDirectory("asgard-sftp-x")),
                        "password", PASSWORD, "backendOptions", Map.of("sftp.command", command))))
                .when().post(REPOS).then().statusCode(201).extract().path("id");
        given().auth().oauth2(TestTokens.admin()).when().post(REPOS + "/" + id + "/refresh").then().statusCode(200)
                .body("state.reachable", equalTo(false))
                .body("state.lastError", org.hamcrest.Matchers.containsString("BACKEND_UNREACHABLE"));
        assertTrue(sshd.log().contains("Connection closed by authenticating user")
                || sshd.log().contains("publickey"), sshd.log());
    }
}
