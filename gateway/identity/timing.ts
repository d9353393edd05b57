/** How long a signed assertion lives (CONTRACT §8.2: `exp` at most 60 s after `iat`). */
export const ASSERTION_LIFETIME_S = 60;

/** How often an instance re-reads the key set, so a key rotated on another instance reaches it. */
export const KEYRING_REFRESH_MS = 60_000;

/**
 * How long a new key is published before it signs. jose's createRemoteJWKSet keeps a key set
 * 10 minutes by default (`cacheMaxAge`), so verifiers hold the key before its first assertion.
 */
export const PUBLISH_LEAD_MS = 15 * 60_000;

/**
 * How long a retired key stays published after it stops signing: an instance may sign with it
 * until its next key-set read, and that assertion lives its full lifetime.
 */
export const RETIRED_KEY_PUBLISHED_MS = KEYRING_REFRESH_MS + ASSERTION_LIFETIME_S * 1000;
