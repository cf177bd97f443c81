package dev.asgard.commons.paging;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.asgard.commons.error.AsgardException;

/**
 * Opaque, tamper-proof page tokens: a cursor (a short list of strings, typically the sort key and id of the
 * last item of a page) bound to the query it belongs to, signed with HMAC-SHA256 and encoded as unpadded
 * base64url.
 *
 * <p>The caller passes a {@code query} string that describes everything that defines the result set apart
 * from the page position: filter values, sort order, and the caller's scope where results depend on it
 * (see {@link #query(String...)}). Its SHA-256 fingerprint travels in the token and is covered by the MAC,
 * so a token cannot be replayed against another filter. The cursor values are readable by anyone who
 * base64-decodes the token: sign, not encrypt; never put secrets in a cursor.
 *
 * <p>Layout: {@code version(1) | fingerprint(8) | count(1) | (length(2) | utf8)* | hmac(32)}. Thread-safe.
 */
public final class PageTokenCodec {

    /** Reason of every rejected page token. */
    public static final String REASON_INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN";

    /** Minimum key length: the HMAC-SHA256 output size. */
    public static final int MIN_KEY_BYTES = 32;

    /** Longest token accepted; larger inputs are rejected before decoding. */
    public static final int MAX_TOKEN_CHARS = 2048;

    private static final String FIELD = "page_token";
    private static final String ALGORITHM = "HmacSHA256";
    private static final byte VERSION = 1;
    private static final int FINGERPRINT_BYTES = 8;
    private static final int MAC_BYTES = 32;
    private static final int MAX_VALUES = 16;
    private static final int MAX_VALUE_BYTES = 512;

    private final SecretKeySpec key;

    /**
     * @param key HMAC key of at least {@value #MIN_KEY_BYTES} bytes; copied
     * @throws IllegalArgumentException if the key is too short
     */
    public PageTokenCodec(byte[] key) {
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("Page token key must be at least " + MIN_KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    }

    /**
     * Builds the canonical query string of {@link #encode}/{@link #decode} from its parts, unambiguously
     * (each part is length-prefixed, so {@code ("a,b", "c")} and {@code ("a", "b,c")} differ).
     *
     * @param parts what defines the result set, e.g. {@code "devices", "status=ACTIVE", "order=name"}; null
     *        parts count as empty
     * @return the query string
     */
    public static String query(String... parts) {
        StringBuilder query = new StringBuilder();
        for (String part : parts) {
            String p = part == null ? "" : part;
            query.append(p.length()).append(':').append(p).append(';');
        }
        return query.toString();
    }

    /**
     * Encodes a cursor for a query.
     *
     * @param query the canonical query the cursor belongs to
     * @param cursor the cursor values, at most 16 of at most 512 UTF-8 bytes each
     * @return the opaque token
     * @throws IllegalArgumentException if the cursor is too large
     */
    public String encode(String query, List<String> cursor) {
        if (cursor.size() > MAX_VALUES) {
            throw new IllegalArgumentException("A page cursor holds at most " + MAX_VALUES + " values");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(VERSION);
        out.writeBytes(fingerprint(query));
        out.write(cursor.size());
        for (String value : cursor) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > MAX_VALUE_BYTES) {
                throw new IllegalArgumentException("A page cursor value is at most " + MAX_VALUE_BYTES + " bytes");
            }
            out.write(bytes.length >>> 8);
            out.write(bytes.length & 0xff);
            out.writeBytes(bytes);
        }
        byte[] body = out.toByteArray();
        byte[] token = Arrays.copyOf(body, body.length + MAC_BYTES);
        System.arraycopy(mac(body), 0, token, body.length, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    /**
     * Encodes a cursor for a query.
     *
     * @param query the canonical query the cursor belongs to
     * @param cursor the cursor values
     * @return the opaque token
     */
    public String encode(String query, String... cursor) {
        return encode(query, List.of(cursor));
    }

    /**
     * Decodes and verifies a token.
     *
     * @param token a token from {@link #encode}
     * @param query the canonical query of the current request
     * @return the cursor values
     * @throws AsgardException INVALID_ARGUMENT with reason {@value #REASON_INVALID_PAGE_TOKEN} if the token is
     *         garbage, was altered, was signed with another key, or belongs to another query
     */
    public List<String> decode(String token, String query) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            throw invalid("The page token is malformed.");
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException notBase64) {
            throw invalid("The page token is malformed.");
        }
        int bodyLength = raw.length - MAC_BYTES;
        if (bodyLength < 1 + FINGERPRINT_BYTES + 1) {
            throw invalid("The page token is malformed.");
        }
        byte[] body = Arrays.copyOf(raw, bodyLength);
        byte[] presentedMac = Arrays.copyOfRange(raw, bodyLength, raw.length);
        // Constant-time comparison, so response timing does not reveal how much of a forged MAC was right.
        if (!MessageDigest.isEqual(mac(body), presentedMac)) {
            throw invalid("The page token is invalid or was altered.");
        }
        if (body[0] != VERSION) {
            throw invalid("The page token was issued by an incompatible version.");
        }
        byte[] presentedFingerprint = Arrays.copyOfRange(body, 1, 1 + FINGERPRINT_BYTES);
        if (!MessageDigest.isEqual(fingerprint(query), presentedFingerprint)) {
            throw invalid("The page token belongs to a different query (filter or order changed).");
        }
        return values(body);
    }

    private List<String> values(byte[] body) {
        ByteBuffer buffer = ByteBuffer.wrap(body, 1 + FINGERPRINT_BYTES, body.length - 1 - FINGERPRINT_BYTES);
        int count = Byte.toUnsignedInt(buffer.get());
        if (count > MAX_VALUES) {
            throw invalid("The page token is malformed.");
        }
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (buffer.remaining() < 2) {
                throw invalid("The page token is malformed.");
            }
            int length = Short.toUnsignedInt(buffer.getShort());
            if (length > buffer.remaining()) {
                throw invalid("The page token is malformed.");
            }
            ByteBuffer value = buffer.slice(buffer.position(), length);
            buffer.position(buffer.position() + length);
            try {
                values.add(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(value)
                        .toString());
            } catch (CharacterCodingException e) {
                throw invalid("The page token is malformed.");
            }
        }
        if (buffer.hasRemaining()) {
            throw invalid("The page token is malformed.");
        }
        return List.copyOf(values);
    }

    private byte[] mac(byte[] body) {
        try {
            // Mac instances are not thread-safe; creating one per call is cheap next to a database query.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private static byte[] fingerprint(String query) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(query.getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(digest, FINGERPRINT_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private static AsgardException invalid(String detail) {
        return AsgardException.invalidArgument(REASON_INVALID_PAGE_TOKEN, detail)
                .withViolation(FIELD, detail)
                .withHint("Send the request again without a page token to start from the first page, "
                        + "keeping the filter of the request that returned the token.");
    }
}
