package dev.asgard.registry.rest.dto;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One page of a device's credentials.
 *
 * @param items the credentials, newest first
 * @param nextPageToken pass as {@code page_token} for the next page; empty on the last page
 */
@Schema(name = "DeviceCredentialPage")
public record DeviceCredentialPage(List<DeviceCredentialView> items, String nextPageToken) {
}
