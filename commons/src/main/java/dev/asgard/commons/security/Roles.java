package dev.asgard.commons.security;

/**
 * Keycloak realm roles of Asgard administrators (realm {@code asgard}). Every admin endpoint needs one of
 * them: reads {@code @RolesAllowed({Roles.ADMIN, Roles.VIEWER})}, writes {@code @RolesAllowed(Roles.ADMIN)}.
 */
public final class Roles {

    /** Read and write access to the admin API. */
    public static final String ADMIN = "asgard-admin";

    /** Read-only access to the admin API. */
    public static final String VIEWER = "asgard-viewer";

    private Roles() {
    }
}
