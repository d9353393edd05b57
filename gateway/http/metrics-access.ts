/**
 * Who may read `P/metrics` where it shares the gateway's listener (issue 32, finding 13): it names
 * apps, users' sign-in outcomes and the policy version, so it is no page for every app host's
 * visitors. Loopback clients by default, plus `server.metrics_allow`; `server.metrics_listen` moves
 * it to an address of its own instead, with no such check (it is not on the app hosts).
 *
 * The client is the resolved client IP (client-ip.ts), never the socket peer: behind nginx every
 * request comes from a trusted loopback peer. A request relayed by a proxy that is NOT trusted
 * (it carries forwarding headers, the peer is outside `server.trust_proxy`) is refused too: its
 * peer says nothing about the client, and an nginx on loopback without trust_proxy would
 * otherwise open the metrics to the world.
 */
import { addressMatcher } from './client-ip.js';

// RFC 1122 §3.2.1.3 (127.0.0.0/8) and RFC 4291 §2.5.3 (::1).
const LOOPBACK = ['127.0.0.0/8', '::1'];
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

export interface MetricsRequest {
  clientIp: string;
  peerTrusted: boolean;
  header(name: string): string | undefined;
}

export function createMetricsAccess(allow: readonly string[]) {
  const allowed = addressMatcher([...LOOPBACK, ...allow]);
  return function mayReadMetrics(request: MetricsRequest): boolean {
    const relayedByUntrustedPeer = !request.peerTrusted && FORWARDING_HEADERS.some((name) => request.header(name) !== undefined);
    return !relayedByUntrustedPeer && allowed(request.clientIp);
  };
}
