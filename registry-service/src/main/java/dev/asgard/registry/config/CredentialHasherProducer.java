package dev.asgard.registry.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.asgard.registry.service.CredentialHasher;

/** One Argon2id hasher with the recommended parameters for enrolment, rotation and verification alike. */
public class CredentialHasherProducer {

    @Produces
    @Singleton
    CredentialHasher credentialHasher() {
        return CredentialHasher.recommended();
    }
}
