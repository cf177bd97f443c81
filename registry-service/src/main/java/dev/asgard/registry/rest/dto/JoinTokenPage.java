package dev.asgard.registry.rest.dto;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One page of join tokens.
 *
 * @param items the tokens, newest first
 * @param nextPageToken pass as {@code page_token} for the next page; empty on the last page
 */
@Schema(name = "JoinTokenPage")
public record JoinTokenPage(List<JoinTokenView> items, String nextPageToken) {
}
