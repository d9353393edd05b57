/**
 * What an administrator needs to judge an assistance request: the account's state, its recent
 * security events and sign-ins, and where the request came from. Every query runs whether or not
 * the email matched an account (against an id no row has), so an unmatched request costs the
 * same database work as a matched one (SECURITY A1).
 */
import type { Executor } from '../../db/client.js';
import { recentAuditEventsOf, type RecentAuditEvent } from '../../db/queries/assistance.js';
import { countUnusedBackupCodes } from '../../db/queries/backup-codes.js';
import type { UserRow } from '../../db/schema/index.js';
import type { IpContext } from '../context/geoip.js';
import { summariseSignIns, type SignInSummary } from '../context/history.js';
import type { AssistanceAccount } from '../delivery/templates/index.js';
import { userFactors } from '../factors/summary.js';
import { gatherSecurityFacts } from './security-events.js';

// No user has this id (ids are random v4 UUIDs); queries for it find nothing, at the usual cost.
const NO_USER = '00000000-0000-0000-0000-000000000000';
// "Last ~10" in the issue: enough to see a pattern, short enough to read in an email.
const RECENT_EVENTS = 10;

export interface AccountState {
  account: AssistanceAccount | null;
  signIns: SignInSummary | null;
  recentEvents: RecentAuditEvent[];
}

export async function gatherAccountState(tx: Executor, user: UserRow | undefined, ipContext: IpContext): Promise<AccountState> {
  const subject = user?.id ?? NO_USER;
  const signIns = await summariseSignIns(tx, subject, ipContext);
  const factors = await userFactors(tx, subject);
  const unusedBackupCodes = await countUnusedBackupCodes(tx, subject);
  const recentEvents = await recentAuditEventsOf(tx, subject, RECENT_EVENTS);
  const security = await gatherSecurityFacts(tx, subject, signIns);
  if (!user) return { account: null, signIns: null, recentEvents: [] };
  return {
    account: {
      exists: true,
      active: user.active,
      name: user.name || null,
      role: user.role,
      twoFactorEnabled: factors.any,
      unusedBackupCodes,
      security,
    },
    signIns,
    recentEvents,
  };
}

/** The request's context as stored on the record (jsonb) for the dashboard. */
export function storedContext(input: {
  ipContext: IpContext;
  networkKey: string;
  state: AccountState;
  userAgent: string | null;
  findings: string[];
}): Record<string, unknown> {
  const { ipContext, state } = input;
  const signIns = state.signIns;
  return {
    city: ipContext.city,
    region: ipContext.region,
    country: ipContext.country,
    asn: ipContext.asn,
    org: ipContext.org,
    networkPrefix: ipContext.network,
    networkKey: input.networkKey,
    anonymous: ipContext.anonymous,
    userAgent: input.userAgent,
    ipSeenBefore: signIns?.ipSeenBefore ?? false,
    networkSeenBefore: signIns?.networkSeenBefore ?? false,
    countrySeenBefore: signIns?.countrySeenBefore ?? false,
    account: state.account,
    lastSuccess: signIns?.lastSuccess ?? null,
    recentLocations: signIns?.recentLocations ?? [],
    recentNetworks: signIns?.recentNetworks ?? [],
    recentFailures: signIns?.recentFailures.length ?? 0,
    findings: input.findings,
  };
}
