package dev.asgard.registry.rest.dto;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One page of the audit trail.
 *
 * @param items entries, newest first
 * @param nextPageToken pass as {@code page_token} for the next page; empty on the last page
 */
@Schema(name = "AuditEntryPage")
public record AuditEntryPage(List<AuditEntryView> items, String nextPageToken) {
}
