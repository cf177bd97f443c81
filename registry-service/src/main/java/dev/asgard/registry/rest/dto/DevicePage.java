package dev.asgard.registry.rest.dto;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One page of devices.
 *
 * @param items the devices
 * @param nextPageToken token of the next page; empty on the last page
 */
@Schema(name = "DevicePage")
public record DevicePage(List<DeviceView> items, String nextPageToken) {
}
