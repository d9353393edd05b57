import { sha256Hex } from '../security/hash.js';
import { randomToken } from '../security/random.js';

/** API tokens are random, shown once, and stored only as SHA-256; the prefix makes leaks greppable. */
export const API_TOKEN_PREFIX = 'rcs_';

export function newApiToken(): { token: string; tokenHash: string } {
  const token = `${API_TOKEN_PREFIX}${randomToken(32)}`;
  return { token, tokenHash: sha256Hex(token) };
}

export function apiTokenHash(token: string): string | undefined {
  return token.startsWith(API_TOKEN_PREFIX) && token.length < 100 ? sha256Hex(token) : undefined;
}
