package dev.asgard.commons.paging;

import java.util.Optional;

import dev.asgard.commons.error.AsgardException;

/**
 * The paging part of a list request, normalised: the page size defaulted and bounded, the token absent or
 * non-empty.
 *
 * <p>Sizes follow Google's API guidance (AIP-158), which the proto contracts use: 0 or absent means the
 * default ({@value #DEFAULT_SIZE}), a size above {@value #MAX_SIZE} is lowered to it, and a negative size is
 * invalid.
 *
 * @param size the effective page size, 1..{@value #MAX_SIZE}
 * @param token the page token of the request, empty on the first page
 */
public record PageRequest(int size, Optional<String> token) {

    /** Page size when the request names none. */
    public static final int DEFAULT_SIZE = 50;

    /** Largest page size served; larger requests are lowered to it. */
    public static final int MAX_SIZE = 500;

    /** Reason of a negative page size. */
    public static final String REASON_INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE";

    /** Checks the invariants, so a {@code PageRequest} is always usable as is. */
    public PageRequest {
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size must be between 1 and " + MAX_SIZE + ": " + size);
        }
        token = token == null ? Optional.empty() : token.filter(t -> !t.isEmpty());
    }

    /**
     * Normalises the paging fields of a request (a proto request: unset size is 0, unset token is "").
     *
     * @param requestedSize the requested page size; null or 0 for the default
     * @param pageToken the request's page token; null or empty for the first page
     * @return the normalised request
     * @throws AsgardException INVALID_ARGUMENT (reason {@value #REASON_INVALID_PAGE_SIZE}, field {@code page_size})
     *         for a negative size
     */
    public static PageRequest of(Integer requestedSize, String pageToken) {
        int requested = requestedSize == null ? 0 : requestedSize;
        if (requested < 0) {
            throw AsgardException.invalidArgument(REASON_INVALID_PAGE_SIZE, "The page size must not be negative: %d.", requested)
                    .withViolation("page_size", "must be 0 (default " + DEFAULT_SIZE + ") or positive, at most " + MAX_SIZE)
                    .withHint("Omit page_size to get " + DEFAULT_SIZE + " items per page.");
        }
        int size = requested == 0 ? DEFAULT_SIZE : Math.min(requested, MAX_SIZE);
        return new PageRequest(size, Optional.ofNullable(pageToken));
    }

    /** @return the first page with the default size */
    public static PageRequest first() {
        return new PageRequest(DEFAULT_SIZE, Optional.empty());
    }

    /** @return whether this asks for the first page */
    public boolean isFirstPage() {
        return token.isEmpty();
    }

    /**
     * How many rows to fetch: one more than the page size, so {@link Page#fromOverfetch} can tell whether a next
     * page exists without a count query.
     *
     * @return {@code size + 1}
     */
    public int fetchSize() {
        return size + 1;
    }
}
