package dev.asgard.registry.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import org.junit.jupiter.api.Test;

class CredentialHasherTest {

    private final CredentialHasher hasher = new CredentialHasher(64, 1, 1);

    @Test
    void verifiesTheSecretItHashedAndNothingElse() {
        String stored = hasher.hash("correct horse battery staple");
        assertTrue(stored.startsWith("$argon2id$v=19$m=64,t=1,p=1$"));
        assertTrue(hasher.verify("correct horse battery staple", stored));
        assertFalse(hasher.verify("correct horse battery stapler", stored));
        assertFalse(hasher.verify("", stored));
    }

    @Test
    void saltsEveryHash() {
        assertNotEquals(hasher.hash("same"), hasher.hash("same"));
    }

    @Test
    void malformedStoredHashesNeverVerify() {
        assertFalse(hasher.verify("x", ""));
        assertFalse(hasher.verify("x", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA"));
        assertFalse(hasher.verify("x", "$argon2id$v=19$m=64,t=1$AAAA$AAAA"));
        assertFalse(hasher.verify("x", "plain-text"));
    }

    @Test
    void oldParametersStillVerifyAndAskForARehash() {
        String old = hasher.hash("s3cret");
        CredentialHasher stronger = new CredentialHasher(128, 2, 1);
        assertTrue(stronger.verify("s3cret", old));
        assertTrue(stronger.needsRehash(old));
        assertFalse(stronger.needsRehash(stronger.hash("s3cret")));
    }
}
