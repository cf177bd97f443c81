package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * One page of runs, newest first.
 *
 * @param items the runs
 * @param nextPageToken token of the next page; empty on the last
 */
public record RunPage(List<RunView> items, String nextPageToken) {
}
