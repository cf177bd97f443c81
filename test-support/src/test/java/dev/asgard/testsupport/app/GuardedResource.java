package dev.asgard.testsupport.app;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;

/** An admin-style endpoint guarded like the services' admin APIs: read for both roles, write for admins. */
@Path("/guarded")
public class GuardedResource {

    @GET
    @RolesAllowed({"asgard-admin", "asgard-viewer"})
    public String read(@Context SecurityContext security) {
        return security.getUserPrincipal().getName();
    }

    @POST
    @RolesAllowed("asgard-admin")
    public String write(@Context SecurityContext security) {
        return "written by " + security.getUserPrincipal().getName();
    }
}
