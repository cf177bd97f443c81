package dev.asgard.registry.service;

import java.util.Optional;
import java.util.UUID;

/**
 * The wire form shared by join tokens and device credentials: {@code <prefix>.<id>.<secret>}. The id finds
 * the stored row, the secret proves possession; the prefix names the kind and format version, and makes a
 * leaked value recognisable to secret scanners.
 *
 * @param id the row id
 * @param secret the secret part, not verified yet
 */
public record PrefixedSecret(UUID id, String secret) {

    private static final int MAX_LENGTH = 200;

    /**
     * @param prefix the expected prefix, such as {@code ajt1}
     * @param value what a device presented
     * @return its parts, or empty when it is not of that kind at all
     */
    public static Optional<PrefixedSecret> parse(String prefix, String value) {
        if (value == null || value.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        String[] parts = value.split("\\.", -1);
        if (parts.length != 3 || !prefix.equals(parts[0]) || parts[2].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PrefixedSecret(UUID.fromString(parts[1]), parts[2]));
        } catch (IllegalArgumentException notAUuid) {
            return Optional.empty();
        }
    }

    /**
     * @param prefix the kind
     * @param id the row id
     * @param secret the encoded secret
     * @return the wire form
     */
    public static String format(String prefix, UUID id, String secret) {
        return prefix + "." + id + "." + secret;
    }
}
