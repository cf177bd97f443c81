package dev.asgard.backup.rest.dto;

/**
 * Body of {@code POST /api/v1/repositories/{id}/check} (optional).
 *
 * @param readData read and verify pack data too, not only the structure
 * @param readDataSubset read only this subset: a percentage (10%) or n/t (1/5); implies readData
 */
public record CheckRequest(Boolean readData, String readDataSubset) {
}
