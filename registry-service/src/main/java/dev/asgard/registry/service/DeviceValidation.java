package dev.asgard.registry.service;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import dev.asgard.commons.error.Validation;
import dev.asgard.proto.registry.v1.Capability;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.WorldType;

/**
 * Field rules for what a device reports about itself. Every rule adds a field violation; a request is
 * refused with all of them at once.
 */
public final class DeviceValidation {

    /** Most capabilities one device may declare. */
    public static final int MAX_CAPABILITIES = 64;
    /** Largest serialized metadata ({@code google.protobuf.Struct}). */
    public static final int MAX_METADATA_BYTES = 16 * 1024;
    /** Largest serialized hardware description. */
    public static final int MAX_HARDWARE_BYTES = 16 * 1024;

    /** A DNS label: lower-case letters, digits and '-', 1-63 characters, alphanumeric at both ends. */
    static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern CAPABILITY = Pattern.compile("[a-z][a-z0-9-]{0,62}\\.[a-z][a-z0-9-]{0,62}");
    private static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?");
    private static final Pattern FINGERPRINT = Pattern.compile("[\\x21-\\x7e]{16,256}");

    private DeviceValidation() {
    }

    /**
     * Validates an enrolment request (the join token itself is checked by {@code JoinTokenService}).
     *
     * @param request the request
     * @throws dev.asgard.commons.error.AsgardException INVALID_ARGUMENT with every violation
     */
    public static void validateEnroll(EnrollRequest request) {
        Validation v = Validation.create();
        v.check(!request.getJoinToken().isBlank(), "join_token", "is required");
        name(v, "name", request.getName());
        v.check(request.getWorldType() != WorldType.WORLD_TYPE_UNSPECIFIED
                && request.getWorldType() != WorldType.UNRECOGNIZED, "world_type", "is required");
        v.check(FINGERPRINT.matcher(request.getFingerprint()).matches(), "fingerprint",
                "must be 16-256 printable ASCII characters without spaces (a stable machine id, e.g. /etc/machine-id)");
        v.check(request.getHardware().getSerializedSize() <= MAX_HARDWARE_BYTES, "hardware",
                "must be at most " + MAX_HARDWARE_BYTES + " bytes");
        v.check(request.getMetadata().getSerializedSize() <= MAX_METADATA_BYTES, "metadata",
                "must be at most " + MAX_METADATA_BYTES + " bytes");
        v.maxLength("agent_version", request.getAgentVersion(), 64);
        capabilities(v, request.getCapabilitiesList());
        Labels.validate(v, "labels", request.getLabelsMap());
        v.throwIfInvalid();
    }

    static void name(Validation v, String field, String name) {
        v.check(NAME.matcher(name).matches(), field,
                "must be 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit"
                        + " (a DNS label, so it can serve as a host name)");
    }

    /**
     * Checks the syntax of a capability name ({@code namespace.name}).
     *
     * @param v where the violation goes
     * @param field the field name
     * @param name the capability name
     */
    public static void capabilityName(Validation v, String field, String name) {
        v.check(CAPABILITY.matcher(name).matches(), field,
                "must be namespace.name: lower-case letters, digits and '-', each part starting with a letter");
    }

    /**
     * Checks the syntax of a capability version (semantic version).
     *
     * @param v where the violation goes
     * @param field the field name
     * @param version the version, empty for any
     */
    public static void capabilityVersion(Validation v, String field, String version) {
        v.check(version.isEmpty() || SEMVER.matcher(version).matches(), field,
                "must be a semantic version such as 1.4.0, or empty");
    }

    static void capabilities(Validation v, List<Capability> capabilities) {
        v.check(capabilities.size() <= MAX_CAPABILITIES, "capabilities", "at most " + MAX_CAPABILITIES);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < capabilities.size(); i++) {
            Capability capability = capabilities.get(i);
            String field = "capabilities[" + i + "]";
            v.check(CAPABILITY.matcher(capability.getName()).matches(), field + ".name",
                    "must be namespace.name: lower-case letters, digits and '-', each part starting with a letter");
            v.check(seen.add(capability.getName()), field + ".name", "is declared twice");
            v.check(capability.getVersion().isEmpty() || SEMVER.matcher(capability.getVersion()).matches(),
                    field + ".version", "must be a semantic version such as 1.4.0, or empty");
            Labels.validate(v, field + ".attributes", capability.getAttributesMap());
        }
    }
}
