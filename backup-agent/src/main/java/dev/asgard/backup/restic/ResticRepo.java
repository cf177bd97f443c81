package dev.asgard.backup.restic;

import java.util.Map;

/**
 * Where a repository is and the secrets to open it. Secrets reach restic only through its environment;
 * {@link #toString()} never shows them.
 *
 * @param url restic repository location (RESTIC_REPOSITORY), without credentials
 * @param password repository password (RESTIC_PASSWORD)
 * @param backendSecrets backend credentials as restic environment variables (AWS_SECRET_ACCESS_KEY, ...)
 * @param backendOptions non-secret {@code -o key=value} options
 */
public record ResticRepo(String url, String password, Map<String, String> backendSecrets,
        Map<String, String> backendOptions) {

    /** Copies the maps. */
    public ResticRepo {
        backendSecrets = backendSecrets == null ? Map.of() : Map.copyOf(backendSecrets);
        backendOptions = backendOptions == null ? Map.of() : Map.copyOf(backendOptions);
    }

    /**
     * @param url a local path or restic URL
     * @param password the password
     * @return a repository without backend secrets or options
     */
    public static ResticRepo of(String url, String password) {
        return new ResticRepo(url, password, Map.of(), Map.of());
    }

    @Override
    public String toString() {
        return "ResticRepo[url=" + url + ", password=***, backendSecrets=" + backendSecrets.keySet()
                + ", backendOptions=" + backendOptions + "]";
    }
}
