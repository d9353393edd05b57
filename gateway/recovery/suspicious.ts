/**
 * Patterns that make an assistance request worth a closer look (issue 6 item 5): many requests for
 * one account or from one network within the policy window, and requests from an anonymising
 * network (VPN, Tor, public proxy, hosting) when an anonymous-IP database is configured. A flag
 * informs the administrator; it never changes what the requester sees.
 */
import type { AnonymousFlags, IpContext } from '../context/geoip.js';
import type { Policy } from '../policy/schema.js';

export type SuspiciousFlag = 'repeated_account' | 'repeated_network' | 'anonymous_network';

export interface SuspiciousInput {
  /** Requests within the window for this account (or email entered), this one included. */
  requestsForAccount: number;
  /** Requests within the window from this network, this one included. */
  requestsFromNetwork: number;
  anonymous: AnonymousFlags | null;
  settings: Policy['recovery']['assistance']['suspicious'];
}

export interface SuspiciousFinding {
  flag: SuspiciousFlag;
  /** One line for the administrator's alert. */
  description: string;
}

/**
 * What requests are grouped by as "one network": the AS number when the ASN database knows the
 * address, else the address itself (lumping every unknown network together would flag them all).
 */
export function networkKeyOf(context: IpContext): string {
  return context.asn !== null ? `AS${context.asn}` : context.ip;
}

export function findSuspiciousPatterns(input: SuspiciousInput): SuspiciousFinding[] {
  const { settings } = input;
  const window = describeWindow(settings.window);
  const findings: SuspiciousFinding[] = [];
  if (input.requestsForAccount >= settings.per_account) {
    findings.push({ flag: 'repeated_account', description: `${input.requestsForAccount} requests for this account within ${window}` });
  }
  if (input.requestsFromNetwork >= settings.per_network) {
    findings.push({ flag: 'repeated_network', description: `${input.requestsFromNetwork} requests from this network within ${window}` });
  }
  if (input.anonymous?.any) {
    findings.push({ flag: 'anonymous_network', description: `anonymising network (${anonymityKinds(input.anonymous)})` });
  }
  return findings;
}

function anonymityKinds(flags: AnonymousFlags): string {
  const kinds = [flags.vpn && 'VPN', flags.tor && 'Tor exit node', flags.proxy && 'proxy', flags.hosting && 'hosting provider'].filter(Boolean);
  return kinds.length ? kinds.join(', ') : 'anonymous';
}

function describeWindow(ms: number): string {
  const hours = ms / 3_600_000;
  if (Number.isInteger(hours)) return hours === 1 ? '1 hour' : `${hours} hours`;
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
