import type { Context } from 'hono';
import type { Config } from '../config/schema.js';
import { readHost } from '../core/host.js';
import type { AppEnv } from '../http/env.js';

/**
 * The relying party for a request. The gateway serves its pages on every app host, and a browser
 * binds a credential to the host it is on, so the RP ID is the request's host name and the
 * expected origin its scheme and host, provided the host is the public URL's or a configured app
 * host (`"*"` admits the request host). Anything else falls back to the public URL, against which
 * a browser on the unknown host cannot produce a valid answer. The scheme is the public URL's, or
 * X-Forwarded-Proto from a trusted proxy.
 */
export function createRelyingPartyResolver(config: Config, isTrustedPeer: (ip: string) => boolean) {
  const publicUrl = new URL(config.server.public_url);
  const publicProto = publicUrl.protocol.slice(0, -1);
  const appHosts = config.apps.map((app) => app.host.toLowerCase());
  const anyHost = appHosts.includes('*');
  const fallback = { id: publicUrl.hostname, origin: publicUrl.origin };

  return function relyingPartyFor(c: Context<AppEnv>): { id: string; origin: string } {
    // Read as routing and the policy read it (core/host.ts); a Host with no one reading gets the fallback.
    const read = readHost(c.req.header('host'));
    if (!read.ok) return fallback;
    const { name: hostname, authority: host } = read.host;
    const known = host === publicUrl.host || anyHost || appHosts.includes(host) || appHosts.includes(hostname);
    if (!known) return fallback;
    const peer = c.env?.incoming?.socket.remoteAddress ?? '';
    const forwarded = isTrustedPeer(peer) ? c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() : undefined;
    const proto = forwarded === 'https' || forwarded === 'http' ? forwarded : publicProto;
    // URL drops a default port (":443" on https), as the browser does when it reports the origin.
    const origin = new URL(`${proto}://${host}`).origin;
    return { id: hostname.replace(/^\[|\]$/g, ''), origin };
  };
}
