package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LaunchOptionsTest {

    private static final Path DEFAULT_DIR = Path.of("/repo/.asgard");

    private static LaunchOptions parse(String... args) throws UsageException {
        return LaunchOptions.parse(List.of(args), DEFAULT_DIR);
    }

    @Test
    void noArgumentsMeansStartWithEverythingAndTheDefaultDataDir() throws UsageException {
        LaunchOptions options = parse();
        assertEquals(LaunchOptions.Command.START, options.command());
        assertEquals(DEFAULT_DIR, options.dataDir());
        assertTrue(options.keycloak());
        assertTrue(options.build());
        assertEquals(Duration.ofMinutes(5), options.readyTimeout());
    }

    @Test
    void flagsAfterStartAreApplied() throws UsageException {
        LaunchOptions options = parse("start", "--no-keycloak", "--no-build", "--timeout", "90");
        assertEquals(LaunchOptions.Command.START, options.command());
        assertFalse(options.keycloak());
        assertFalse(options.build());
        assertEquals(Duration.ofSeconds(90), options.readyTimeout());
    }

    @Test
    void dataDirIsMadeAbsoluteInBothSpellings() throws UsageException {
        assertEquals(Path.of("/tmp/a"), parse("--data-dir", "/tmp/x/../a").dataDir());
        assertEquals(Path.of("/tmp/b"), parse("start", "--data-dir=/tmp/b").dataDir());
        Path relative = parse("--data-dir", "rel").dataDir();
        assertTrue(relative.isAbsolute());
        assertEquals(Path.of("rel").toAbsolutePath().normalize(), relative);
    }

    @Test
    void helpInAnySpellingIsRecognised() throws UsageException {
        assertEquals(LaunchOptions.Command.HELP, parse("help").command());
        assertEquals(LaunchOptions.Command.HELP, parse("--help").command());
        assertEquals(LaunchOptions.Command.HELP, parse("start", "-h").command());
        assertEquals(LaunchOptions.Command.HELP, parse("--no-build", "--help").command());
    }

    @Test
    void unknownOptionIsRejectedByName() {
        UsageException e = assertThrows(UsageException.class, () -> parse("--bogus"));
        assertEquals("unknown option --bogus", e.getMessage());
    }

    @Test
    void unknownCommandIsRejectedByName() {
        UsageException e = assertThrows(UsageException.class, () -> parse("stop"));
        assertTrue(e.getMessage().contains("unknown command stop"), e.getMessage());
    }

    @Test
    void optionWithoutItsValueIsRejected() {
        assertEquals("--data-dir needs a value", assertThrows(UsageException.class, () -> parse("--data-dir")).getMessage());
        assertTrue(assertThrows(UsageException.class, () -> parse("--data-dir", "--no-build")).getMessage()
                .contains("needs a value"));
        assertEquals("--data-dir needs a value", assertThrows(UsageException.class, () -> parse("--data-dir=")).getMessage());
    }

    @Test
    void repeatedDataDirIsRejected() {
        assertThrows(UsageException.class, () -> parse("--data-dir", "a", "--data-dir", "b"));
    }

    @Test
    void flagWithAValueIsRejected() {
        assertEquals("--no-keycloak takes no value",
                assertThrows(UsageException.class, () -> parse("--no-keycloak=yes")).getMessage());
    }

    @Test
    void timeoutMustBeAPositiveNumber() {
        assertThrows(UsageException.class, () -> parse("--timeout", "soon"));
        assertThrows(UsageException.class, () -> parse("--timeout", "0"));
        assertThrows(UsageException.class, () -> parse("--timeout", "-5"));
    }

    @Test
    void twoDifferentCommandsAreRejected() {
        assertThrows(UsageException.class, () -> parse("start", "help"));
    }
}
