import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import type { UpstreamIdentity } from '../identity/upstream-identity.js';

/**
 * `GET P/.well-known/jwks.json` (RFC 7517): the public keys that verify the apps' identity
 * assertions, each with its `kid`, a new one before it signs and a retired one until its last
 * assertion has expired (CONTRACT §8.2). Public by nature; a short cache so rotations show.
 */
export function jwksRoutes(deps: { identity: UpstreamIdentity }) {
  const app = new Hono<AppEnv>();
  app.get('/.well-known/jwks.json', async function publishSigningKeys(c) {
    const keys = await deps.identity.keyring.publicKeys();
    c.header('Cache-Control', 'public, max-age=60');
    return c.json({ keys });
  });
  return app;
}
