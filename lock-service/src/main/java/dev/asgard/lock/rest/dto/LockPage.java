package dev.asgard.lock.rest.dto;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One page of locks.
 *
 * @param items the locks, in name order
 * @param nextPageToken pass as {@code page_token} for the next page; empty on the last page
 */
@Schema(name = "LockPage")
public record LockPage(List<LockView> items, String nextPageToken) {
}
