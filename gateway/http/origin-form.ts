/**
 * The request target as the gateway reads it and passes it on: origin-form (`/path?query`).
 * RFC 9112 §3.2.2 lets a client send absolute-form (`GET http://other.test/a`) to a server, and
 * upstreams that share virtual hosts route on that authority rather than on Host; so one request
 * could be judged for the Host's app and served as another. Absolute-form is taken only when its
 * authority is the Host, and is then turned into origin-form, so only one reading ever exists.
 */

import { readHost, type RequestHost } from '../core/host.js';

export type TargetOutcome = { ok: true; target: string } | { ok: false };

const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/is;

/**
 * The origin-form of `target`, or a refusal for an absolute-form one naming another authority
 * than `host` (the Host as core/host.ts reads it; undefined when it could not be read).
 */
export function originFormTarget(target: string, host: RequestHost | undefined): TargetOutcome {
  // '/': origin-form; '*': asterisk-form of OPTIONS (RFC 9112 §3.2.4), which names no resource.
  if (target.charCodeAt(0) === 47 || target === '*') return { ok: true, target };
  const parts = ABSOLUTE_FORM.exec(target);
  if (!parts || host === undefined) return { ok: false };
  const authority = readHost(parts[1]);
  if (!authority.ok || authority.host.authority !== host.authority) return { ok: false };
  const rest = parts[2]!;
  return { ok: true, target: rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest };
}
