import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { Database, Storage } from '../../db/client.js';
import type { Config } from '../config/schema.js';
import type { GeoIp } from '../context/geoip.js';
import type { AppEnv } from '../http/env.js';
import type { AccessDecider } from '../proxy/decide.js';
import type { AppRouter } from '../proxy/hosts.js';
import type { SessionView } from '../session/store.js';
import type { Clock } from '../core/clock.js';
import type { PolicyStore } from '../policy/watch.js';
import type { Limits } from '../ratelimit/limits.js';
import type { SessionManager } from '../session/manager.js';
import type { Directory } from '../directory/directory.js';
import type { UpstreamIdentity } from '../identity/upstream-identity.js';

/** What every route group of the gateway may use; each takes only what it needs from it. */
export interface RouteDeps {
  config: Config;
  storage: Storage;
  db: Database;
  clock: Clock;
  logger: Logger;
  sessions: SessionManager;
  policies: PolicyStore;
  limits: Limits;
  /** Where accounts live: the gateway's own store or the organisation's directory. */
  directory: Directory;
  /** City / ASN lookups for sign-in history and request context ("unknown" without databases). */
  geoip: GeoIp;
  /** Wakes the delivery worker after a transaction that enqueued a message has committed. */
  delivery: { poke(): Promise<void> };
  /** Does an assistance request's account work after its answer has gone (SECURITY A1). */
  assistance: { poke(): Promise<void> };
  /** `rd` validation (SECURITY S7). */
  safeRedirect: (rd: string | undefined | null, host: string | undefined, fallback: string) => string;
  /** The request's session, resolved once per request (throws when the store is unreachable). */
  resolveSession: (c: Context<AppEnv>) => Promise<SessionView | null>;
  access: AccessDecider;
  /** Header names and signed assertions per app (CONTRACT §8.2). */
  identity: UpstreamIdentity;
  /** Whether the socket peer is in `server.trust_proxy`. */
  isTrustedPeer: (ip: string) => boolean;
  /** The configured app a host belongs to (`apps[]`), as the proxy routes it. */
  appFor: AppRouter;
}
