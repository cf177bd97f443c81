package dev.asgard.deploy.keycloak;

/**
 * A realm user the launcher keeps in place on every start. Keycloak's user profile wants a first
 * name, last name and e-mail before it lets a user log in, so the launcher sets them too.
 *
 * @param username login name
 * @param password its generated password
 * @param realmRole the realm role it gets
 * @param firstName shown in the admin console
 * @param lastName shown in the admin console
 */
public record RealmUser(String username, String password, String realmRole, String firstName, String lastName) {
}
