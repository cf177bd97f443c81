package dev.asgard.commons.paging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.ErrorCategory;

class PageTokenCodecTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();
    private static final String QUERY = PageTokenCodec.query("devices", "status=ACTIVE", "order=name");

    private final PageTokenCodec codec = new PageTokenCodec(KEY);

    private static void assertInvalidToken(Runnable decode) {
        AsgardException e = assertThrows(AsgardException.class, decode::run);
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("INVALID_PAGE_TOKEN", e.reason());
        assertEquals("page_token", e.violations().get(0).field());
        assertTrue(e.hint().isPresent());
    }

    @Test
    void roundTripsTheCursor() {
        List<String> cursor = List.of("Küche-Pi ☕", "4f1c2b7e-0000-4000-8000-000000000001", "");

        String token = codec.encode(QUERY, cursor);

        assertEquals(cursor, codec.decode(token, QUERY));
        assertTrue(token.matches("[A-Za-z0-9_-]+"), "base64url without padding: " + token);
    }

    @Test
    void roundTripsAnEmptyCursor() {
        assertEquals(List.of(), codec.decode(codec.encode(QUERY), QUERY));
    }

    @Test
    void everyAlteredBitIsDetected() {
        byte[] raw = Base64.getUrlDecoder().decode(codec.encode(QUERY, "node-7", "42"));
        for (int i = 0; i < raw.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] tampered = raw.clone();
                tampered[i] ^= (byte) (1 << bit);
                String token = Base64.getUrlEncoder().withoutPadding().encodeToString(tampered);
                assertInvalidToken(() -> codec.decode(token, QUERY));
            }
        }
    }

    @Test
    void truncatedAndExtendedTokensAreRejected() {
        String token = codec.encode(QUERY, "node-7");
        byte[] raw = Base64.getUrlDecoder().decode(token);

        String truncated = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(raw, raw.length - 1));
        String extended = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(raw, raw.length + 1));

        assertInvalidToken(() -> codec.decode(truncated, QUERY));
        assertInvalidToken(() -> codec.decode(extended, QUERY));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "not base64 !", "AAAA", "%%%", "eyJhbGciOiJub25lIn0" })
    void garbageIsRejected(String garbage) {
        assertInvalidToken(() -> codec.decode(garbage, QUERY));
    }

    @Test
    void nullAndOversizedTokensAreRejected() {
        assertInvalidToken(() -> codec.decode(null, QUERY));
        assertInvalidToken(() -> codec.decode("A".repeat(PageTokenCodec.MAX_TOKEN_CHARS + 1), QUERY));
    }

    @Test
    void tokenOfAnotherQueryIsRejected() {
        String token = codec.encode(QUERY, "node-7");
        String otherFilter = PageTokenCodec.query("devices", "status=OFFLINE", "order=name");

        AsgardException e = assertThrows(AsgardException.class, () -> codec.decode(token, otherFilter));

        assertEquals("INVALID_PAGE_TOKEN", e.reason());
        assertTrue(e.detail().contains("different query"), e.detail());
    }

    @Test
    void tokenSignedWithAnotherKeyIsRejected() {
        byte[] otherKey = KEY.clone();
        otherKey[0] ^= 1;
        String foreign = new PageTokenCodec(otherKey).encode(QUERY, "node-7");

        assertInvalidToken(() -> codec.decode(foreign, QUERY));
    }

    @Test
    void queryPartsAreUnambiguous() {
        assertNotEquals(PageTokenCodec.query("a,b", "c"), PageTokenCodec.query("a", "b,c"));
        assertNotEquals(PageTokenCodec.query("ab"), PageTokenCodec.query("a", "b"));
        assertEquals(PageTokenCodec.query("x", null), PageTokenCodec.query("x", ""));
    }

    @Test
    void shortKeysAndOversizedCursorsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PageTokenCodec(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(QUERY, "x".repeat(513)));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(QUERY, java.util.Collections.nCopies(17, "x")));
    }

    @Test
    void secretIsReadAsStandardOrUrlSafeBase64() {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 0xfb);

        assertArrayEquals(key, PageTokenCodecProducer.decodeSecret(Base64.getEncoder().encodeToString(key)));
        assertArrayEquals(key, PageTokenCodecProducer.decodeSecret(Base64.getUrlEncoder().encodeToString(key) + "\n"));
        assertThrows(IllegalStateException.class, () -> PageTokenCodecProducer.decodeSecret(
                Base64.getEncoder().encodeToString(new byte[16])));
        assertThrows(IllegalStateException.class, () -> PageTokenCodecProducer.decodeSecret("not*base64"));
    }
}
