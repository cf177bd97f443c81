package dev.asgard.commons.paging;

import java.security.SecureRandom;
import java.util.Base64;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.arc.DefaultBean;

/**
 * Produces the application's {@link PageTokenCodec} from {@code asgard.paging.secret}.
 */
@Singleton
public class PageTokenCodecProducer {

    private static final Logger LOG = Logger.getLogger(PageTokenCodecProducer.class);

    /**
     * @param config paging settings
     * @return the codec; a {@code @DefaultBean}, so a service or test may produce its own
     * @throws IllegalStateException if the configured secret is not base64 or shorter than 32 bytes (failing at
     *         startup beats tokens that silently break)
     */
    @Produces
    @Singleton
    @DefaultBean
    public PageTokenCodec pageTokenCodec(PagingConfig config) {
        if (config.secret().isPresent()) {
            return new PageTokenCodec(decodeSecret(config.secret().get()));
        }
        LOG.warn("asgard.paging.secret is not set: page tokens are signed with a random key generated at startup, "
                + "so they stop working after a restart and are not accepted by other replicas. "
                + "Set asgard.paging.secret (base64, at least 32 bytes) from a secret in production.");
        byte[] key = new byte[PageTokenCodec.MIN_KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return new PageTokenCodec(key);
    }

    static byte[] decodeSecret(String secret) {
        String trimmed = secret.trim();
        byte[] key;
        try {
            key = trimmed.indexOf('-') >= 0 || trimmed.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(trimmed)
                    : Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            // The message would not contain the secret, but keep the cause out anyway: it may quote input.
            throw new IllegalStateException("asgard.paging.secret is not valid base64");
        }
        if (key.length < PageTokenCodec.MIN_KEY_BYTES) {
            throw new IllegalStateException("asgard.paging.secret must decode to at least "
                    + PageTokenCodec.MIN_KEY_BYTES + " bytes, it has " + key.length);
        }
        return key;
    }
}
