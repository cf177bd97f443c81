package dev.asgard.commons.auth;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Fetches the JWKS over HTTP with the JDK client's {@code sendAsync}: the caller's thread (a gRPC event loop) never
 * waits, the answer completes on the client's own executor.
 */
public final class HttpJwksSource implements JwksSource {

    private final HttpClient client;
    private final URI uri;
    private final Duration timeout;

    /**
     * @param uri the JWKS URL, e.g. {@code http://registry:8081/.well-known/jwks.json}
     * @param timeout connect and response timeout of one fetch
     */
    public HttpJwksSource(URI uri, Duration timeout) {
        this.uri = uri;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public CompletionStage<String> fetch() {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("JWKS " + uri + " answered HTTP " + response.statusCode());
            }
            return response.body();
        });
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
