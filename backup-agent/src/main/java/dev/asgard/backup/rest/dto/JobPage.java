package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * One page of jobs, by name.
 *
 * @param items the jobs
 * @param nextPageToken token of the next page; empty on the last
 */
public record JobPage(List<JobView> items, String nextPageToken) {
}
