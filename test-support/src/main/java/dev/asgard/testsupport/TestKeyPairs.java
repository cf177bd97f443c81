package dev.asgard.testsupport;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * RSA key pairs for test tokens: generated at test start, never committed, and shared by every class loader
 * of the test JVM through {@link JvmShared}, so tokens signed in the test and verified by the application
 * (loaded again per Quarkus profile) use one key.
 */
final class TestKeyPairs {

    private TestKeyPairs() {
    }

    /**
     * @param name what the pair is for, e.g. {@code oidc} or {@code device}; one pair per name and JVM
     * @return the JVM-wide pair of that name, generated on first use
     */
    static KeyPair shared(String name) {
        return decode(JvmShared.computeIfAbsent(name + ".key-pair", () -> encode(generate())), name);
    }

    /** @return a fresh pair that nothing trusts */
    static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Every JDK generates RSA keys", e);
        }
    }

    private static String encode(KeyPair pair) {
        Base64.Encoder base64 = Base64.getEncoder();
        return base64.encodeToString(pair.getPrivate().getEncoded()) + ":"
                + base64.encodeToString(pair.getPublic().getEncoded());
    }

    private static KeyPair decode(String encoded, String name) {
        String[] parts = encoded.split(":", 2);
        Base64.Decoder base64 = Base64.getDecoder();
        try {
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            return new KeyPair(rsa.generatePublic(new X509EncodedKeySpec(base64.decode(parts[1]))),
                    rsa.generatePrivate(new PKCS8EncodedKeySpec(base64.decode(parts[0]))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The shared " + name + " test key pair is malformed", e);
        }
    }
}
