package dev.asgard.commons.paging;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One page of a list result and the token of the next page.
 *
 * @param items the items of this page
 * @param nextPageToken the token for the next page; empty (never null) on the last page, as in the proto
 *        contracts ({@code next_page_token})
 * @param <T> item type
 */
public record Page<T>(List<T> items, String nextPageToken) {

    /** Copies the items and turns a null token into the empty "last page" token. */
    public Page {
        items = List.copyOf(items);
        nextPageToken = nextPageToken == null ? "" : nextPageToken;
    }

    /**
     * The last page (no next page).
     *
     * @param items the items
     * @param <T> item type
     * @return the page
     */
    public static <T> Page<T> last(List<T> items) {
        return new Page<>(items, "");
    }

    /**
     * Builds a page from rows fetched with {@link PageRequest#fetchSize()}: if more rows than the page size came
     * back, a next page exists and its token is made from the last item of this page.
     *
     * <pre>{@code
     * PageRequest page = PageRequest.of(request.getPageSize(), request.getPageToken());
     * String query = PageTokenCodec.query("devices", request.getStatus().name());
     * return repository.listAfter(page.token().map(t -> codec.decode(t, query)), page.fetchSize())
     *         .map(rows -> Page.fromOverfetch(rows, page,
     *                 last -> codec.encode(query, last.name, last.id.toString())));
     * }</pre>
     *
     * @param rows up to {@code request.fetchSize()} rows in page order
     * @param request the page request
     * @param tokenForLast makes the next page's token from the last item of this page
     * @param <T> item type
     * @return the page
     */
    public static <T> Page<T> fromOverfetch(List<T> rows, PageRequest request, Function<T, String> tokenForLast) {
        Objects.requireNonNull(rows, "rows");
        if (rows.size() <= request.size()) {
            return last(rows);
        }
        List<T> items = rows.subList(0, request.size());
        return new Page<>(items, tokenForLast.apply(items.get(items.size() - 1)));
    }

    /** @return whether another page follows */
    public boolean hasNextPage() {
        return !nextPageToken.isEmpty();
    }

    /**
     * Maps the items, keeping the token (entity page to DTO page).
     *
     * @param mapper item mapper
     * @param <R> new item type
     * @return the mapped page
     */
    public <R> Page<R> map(Function<? super T, ? extends R> mapper) {
        return new Page<>(items.stream().<R> map(mapper).toList(), nextPageToken);
    }
}
