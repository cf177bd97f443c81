package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * One page of repositories, by name.
 *
 * @param items the repositories
 * @param nextPageToken token of the next page; empty on the last
 */
public record RepositoryPage(List<RepositoryView> items, String nextPageToken) {
}
