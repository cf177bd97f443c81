-- Device-token signing keys (dev.asgard.registry.keys). The private key is stored encrypted with the
-- master key (AES-256-GCM: 12-byte nonce || ciphertext+tag, the kid as associated data, so a row's key
-- cannot be moved to another kid). A key is published in the JWKS from creation until expires_at,
-- used for signing from activates_at until retires_at; expires_at = retires_at + max token lifetime + skew,
-- so every token it signed has expired before it disappears from the JWKS.
CREATE TABLE signing_key (
    kid                   text        PRIMARY KEY,
    algorithm             text        NOT NULL,
    public_jwk            text        NOT NULL,  -- JSON: kty, kid, use, alg, n, e
    private_key_encrypted bytea       NOT NULL,
    created_at            timestamptz NOT NULL,
    activates_at          timestamptz NOT NULL,
    retires_at            timestamptz NOT NULL CHECK (retires_at >= activates_at),
    expires_at            timestamptz NOT NULL CHECK (expires_at >= retires_at)
);
