package dev.asgard.commons.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.ErrorCategory;

class PageRequestTest {

    @ParameterizedTest
    @CsvSource({ "0, 50", "1, 1", "50, 50", "499, 499", "500, 500", "501, 500", "2147483647, 500" })
    void sizeIsDefaultedAndBounded(int requested, int effective) {
        assertEquals(effective, PageRequest.of(requested, "").size());
    }

    @Test
    void absentSizeAndTokenMeanFirstPageOfDefaultSize() {
        PageRequest request = PageRequest.of(null, null);

        assertEquals(PageRequest.DEFAULT_SIZE, request.size());
        assertTrue(request.isFirstPage());
        assertEquals(Optional.empty(), PageRequest.of(10, "").token());
        assertEquals(51, request.fetchSize());
    }

    @Test
    void negativeSizeIsInvalidArgument() {
        AsgardException e = assertThrows(AsgardException.class, () -> PageRequest.of(-1, null));

        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("INVALID_PAGE_SIZE", e.reason());
        assertEquals("page_size", e.violations().get(0).field());
    }

    @Test
    void overfetchedRowsYieldANextPageToken() {
        PageRequest request = PageRequest.of(3, null);
        List<Integer> rows = List.of(1, 2, 3, 4);

        Page<Integer> page = Page.fromOverfetch(rows, request, last -> "after-" + last);

        assertEquals(List.of(1, 2, 3), page.items());
        assertEquals("after-3", page.nextPageToken());
        assertTrue(page.hasNextPage());
    }

    @Test
    void aShortOrExactFetchIsTheLastPage() {
        PageRequest request = PageRequest.of(3, "token");

        Page<Integer> exact = Page.fromOverfetch(List.of(1, 2, 3), request, last -> "unused");
        Page<Integer> empty = Page.fromOverfetch(List.of(), request, last -> "unused");

        assertEquals(List.of(1, 2, 3), exact.items());
        assertEquals("", exact.nextPageToken());
        assertFalse(exact.hasNextPage());
        assertFalse(empty.hasNextPage());
    }

    @Test
    void mappingKeepsTheToken() {
        Page<Integer> page = Page.fromOverfetch(IntStream.rangeClosed(1, 51).boxed().toList(), PageRequest.first(),
                last -> "t" + last);

        Page<String> mapped = page.map(i -> "#" + i);

        assertEquals(50, mapped.items().size());
        assertEquals("#1", mapped.items().get(0));
        assertEquals("t50", mapped.nextPageToken());
    }
}
