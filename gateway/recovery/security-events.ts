/**
 * An account's recent security events as the administrator reads them (issue 28 item 5): the last
 * successful sign-in (when, where, how), recent sign-in locations and networks, recent failures
 * (how many, the last when and from where), when an access email or a recovery code was last sent
 * and when the second factor or backup codes last changed — gathered when a request arrives and
 * told as sentences, in the administrators' alert and on the request's page.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import type { SignInSummary } from '../context/history.js';

type When = Date | string | null;

export interface SecurityFacts {
  lastSuccess: { at: Date | string; ip: string | null; location: string; network: string; method: string } | null;
  recentLocations: string[];
  recentNetworks: string[];
  failures: { count: number; lastAt: When; lastFrom: string | null };
  /** Absent on requests stored before these were gathered: not told, rather than told "never". */
  lastSent?: { accessEmail: When; recoveryCode: When };
  lastChanged?: { secondFactor: When; backupCodes: When };
}

const SENT = { accessEmail: ['access_email.sent'], recoveryCode: ['recovery_request.code_generated'] } as const;
const CHANGED = {
  secondFactor: ['totp.enrolled', 'webauthn.enrolled', 'webauthn.removed', 'second_factor.reset'],
  backupCodes: ['backup_codes.generated'],
} as const;
const EVENTS = [...SENT.accessEmail, ...SENT.recoveryCode, ...CHANGED.secondFactor, ...CHANGED.backupCodes];

/** One grouped look-up on audit_user_idx, whether or not the account exists (SECURITY A1). */
export async function gatherSecurityFacts(tx: Executor, userId: string, signIns: SignInSummary | null): Promise<SecurityFacts> {
  const rows = await tx.select({ event: auditLog.event, at: sql<Date | string>`max(${auditLog.at})` }).from(auditLog)
    .where(and(eq(auditLog.userId, userId), inArray(auditLog.event, EVENTS))).groupBy(auditLog.event);
  const latest = (events: readonly string[]): When => rows
    .filter((row) => events.includes(row.event)).map((row) => new Date(row.at))
    .sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  const failures = signIns?.recentFailures ?? [];
  return {
    lastSuccess: signIns?.lastSuccess ?? null,
    recentLocations: signIns?.recentLocations ?? [],
    recentNetworks: signIns?.recentNetworks ?? [],
    failures: { count: failures.length, lastAt: failures[0]?.at ?? null, lastFrom: failures[0] ? where(failures[0].location, failures[0].ip) : null },
    lastSent: { accessEmail: latest(SENT.accessEmail), recoveryCode: latest(SENT.recoveryCode) },
    lastChanged: { secondFactor: latest(CHANGED.secondFactor), backupCodes: latest(CHANGED.backupCodes) },
  };
}

const METHODS: Readonly<Record<string, string>> = {
  password: 'a password only', totp: 'an authenticator app', webauthn: 'a security key', backup_code: 'a backup code',
  email_otp: 'an email code', recovery_code: 'a recovery code',
};

function where(location: string, ip: string | null): string {
  if (location && location !== 'unknown') return `${location}${ip ? ` (${ip})` : ''}`;
  return ip ? `${ip}, location unknown` : 'an unknown place';
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The facts as sentences; `when` formats a time for the reader (the email in UTC, the page in server.time_zone). */
export function describeSecurityFacts(facts: SecurityFacts, when: (at: Date | string) => string): string[] {
  const { lastSuccess, failures, lastSent, lastChanged } = facts;
  const on = (at: When) => (at ? when(at) : null);
  const network = lastSuccess && lastSuccess.network !== 'unknown' ? `, network ${lastSuccess.network}` : '';
  return [
    lastSuccess
      ? `Last signed in successfully on ${when(lastSuccess.at)} from ${where(lastSuccess.location, lastSuccess.ip)}${network}, with ${METHODS[lastSuccess.method] ?? lastSuccess.method}.`
      : 'Has not signed in successfully recently.',
    facts.recentLocations.length
      ? `Recent sign-ins came from ${list(facts.recentLocations)}${facts.recentNetworks.length ? `, on the networks ${list(facts.recentNetworks)}` : ''}.`
      : lastSuccess ? 'Where recent sign-ins came from is unknown (no location data).' : null,
    failures.count
      ? `${failures.count === 1 ? '1 failed sign-in' : `${failures.count} failed sign-ins`} recently${failures.lastAt ? `; the last on ${on(failures.lastAt)} from ${failures.lastFrom ?? 'an unknown place'}` : ''}.`
      : 'No failed sign-ins recently.',
    ...(lastSent ? [
      lastSent.accessEmail ? `An access email was last sent on ${on(lastSent.accessEmail)}.` : 'No access email has been sent.',
      lastSent.recoveryCode ? `A recovery code was last sent on ${on(lastSent.recoveryCode)}.` : 'No recovery code has been sent.',
    ] : []),
    ...(lastChanged ? [
      lastChanged.secondFactor ? `The second factor last changed on ${on(lastChanged.secondFactor)}.` : 'No change to the second factor is recorded.',
      lastChanged.backupCodes ? `Backup codes were last generated on ${on(lastChanged.backupCodes)}.` : 'No backup codes have been generated.',
    ] : []),
  ].filter((sentence): sentence is string => sentence !== null);
}

/**
 * The facts of a request stored before they were gathered (older rows keep only the sign-in
 * summary and a failure count): what is known, the rest unknown rather than "none".
 */
export function factsFromOlderContext(ctx: Record<string, unknown>): SecurityFacts | null {
  if (!ctx.account || typeof ctx.account !== 'object') return null;
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return {
    lastSuccess: (ctx.lastSuccess as SecurityFacts['lastSuccess']) ?? null,
    recentLocations: strings(ctx.recentLocations),
    recentNetworks: strings(ctx.recentNetworks),
    failures: { count: typeof ctx.recentFailures === 'number' ? ctx.recentFailures : 0, lastAt: null, lastFrom: null },
  };
}
