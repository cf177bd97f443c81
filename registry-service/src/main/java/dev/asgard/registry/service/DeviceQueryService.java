package dev.asgard.registry.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import dev.asgard.registry.query.DeviceOrder;
import dev.asgard.registry.query.DeviceQuery;
import dev.asgard.registry.repository.DeviceQueryRepository;
import dev.asgard.registry.repository.DeviceQueryRepository.Cursor;
import dev.asgard.registry.repository.DeviceQueryRepository.Found;
import io.smallrye.mutiny.Uni;

/**
 * Reads of device records: lists with filters and keyset pagination, single devices, discovery of providers
 * of a capability. Lists never include removed devices.
 */
@ApplicationScoped
public class DeviceQueryService {

    private final DeviceQueryRepository repository;
    private final PageTokenCodec pageTokens;

    public DeviceQueryService(DeviceQueryRepository repository, PageTokenCodec pageTokens) {
        this.repository = repository;
        this.pageTokens = pageTokens;
    }

    /**
     * @param query the validated query
     * @param page size and cursor; a cursor is valid only for the query it was issued for
     * @return one page of devices
     */
    public Uni<Page<Found>> list(DeviceQuery query, PageRequest page) {
        String canonical = canonical(query);
        Cursor after = page.token().map(token -> cursor(pageTokens.decode(token, canonical))).orElse(null);
        DeviceOrder.Key key = query.order().key();
        return repository.page(query, after, page.fetchSize())
                .map(rows -> Page.fromOverfetch(rows, page, last -> {
                    Cursor next = Cursor.after(last.device(), key);
                    return pageTokens.encode(canonical, next.sortValue(), next.id().toString());
                }));
    }

    /**
     * @param id the device
     * @return the live device
     * @throws AsgardException NOT_FOUND {@code DEVICE_NOT_FOUND}
     */
    public Uni<Found> get(UUID id) {
        return repository.findLive(id).onItem().ifNull().failWith(() -> notFound(id));
    }

    /**
     * Active devices that offer a capability, ordered by name.
     *
     * @param capability {@code namespace.name}
     * @param version an exact version, or empty for any
     * @param networkId only members of this network, or empty
     * @param visibleNetworks the caller's scope
     * @param page size and cursor
     * @return one page of providers
     */
    public Uni<Page<Found>> findProviders(String capability, String version, String networkId,
            Optional<List<String>> visibleNetworks, PageRequest page) {
        Validation v = Validation.create();
        v.check(!capability.isBlank(), "capability", "is required");
        if (!capability.isBlank()) {
            DeviceValidation.capabilityName(v, "capability", capability);
        }
        DeviceValidation.capabilityVersion(v, "version", version);
        if (!networkId.isEmpty()) {
            Labels.validateIds(v, "network_id", List.of(networkId), 1);
        }
        v.throwIfInvalid();
        DeviceQuery query = new DeviceQuery(List.of(), networkId.isEmpty() ? null : networkId, List.of(),
                List.of("ACTIVE"), capability, version.isEmpty() ? null : version, java.util.Map.of(), List.of(), null,
                visibleNetworks, DeviceOrder.DEFAULT);
        return list(query, page);
    }

    /**
     * The capability overview: every capability offered by a live device, its versions and the devices.
     *
     * @param networkId only devices in this network, or null
     * @param status only devices in this status (stored name), or null
     * @return the rows, grouped by the caller
     */
    public Uni<List<DeviceQueryRepository.CapabilityRow>> capabilities(String networkId, String status) {
        return repository.capabilities(networkId, status);
    }

    /** @return the canonical text of everything that defines the result set, for page tokens */
    static String canonical(DeviceQuery query) {
        List<String> expressions = new ArrayList<>();
        query.expressions().forEach(e -> expressions.add(e.key() + " " + e.operator() + " " + e.values()));
        return PageTokenCodec.query("devices",
                query.deviceIds().toString(),
                String.valueOf(query.networkId()),
                query.worldTypes().stream().sorted().toList().toString(),
                query.statuses().stream().sorted().toList().toString(),
                String.valueOf(query.capability()),
                String.valueOf(query.capabilityVersion()),
                new TreeMap<>(query.matchLabels()).toString(),
                expressions.toString(),
                String.valueOf(query.namePrefix()),
                query.visibleNetworks().map(n -> n.stream().sorted().toList().toString()).orElse("*"),
                query.order().canonical());
    }

    private static Cursor cursor(List<String> values) {
        if (values.size() != 2) {
            throw malformed();
        }
        try {
            return new Cursor(values.get(0), UUID.fromString(values.get(1)));
        } catch (IllegalArgumentException e) {
            throw malformed();
        }
    }

    private static AsgardException malformed() {
        return AsgardException.invalidArgument(PageTokenCodec.REASON_INVALID_PAGE_TOKEN, "The page token is malformed.")
                .withViolation("page_token", "is malformed")
                .withHint("Start again from the first page.");
    }

    static AsgardException notFound(UUID id) {
        return AsgardException.notFound("DEVICE_NOT_FOUND", "No device with id %s.", id)
                .withHint("List devices with GET /api/v1/devices; removed devices are not shown.");
    }
}
