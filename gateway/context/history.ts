import { and, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { signInEvents } from '../../db/schema/index.js';
import { describeLocation, describeNetwork, type GeoIp, type IpContext } from './geoip.js';

export type SignInMethod = 'password' | 'totp' | 'webauthn' | 'backup_code' | 'email_otp' | 'recovery_code';

export interface SignInAttempt {
  userId: string | null;
  email: string | null;
  success: boolean;
  method: SignInMethod;
  ip: string;
  userAgent?: string | null;
  at: Date;
}

/** Records one sign-in attempt with where it came from (city, country, network). */
export async function recordSignInAttempt(tx: Executor, geoip: GeoIp, attempt: SignInAttempt): Promise<IpContext> {
  const context = geoip.lookup(attempt.ip);
  await tx.insert(signInEvents).values({
    userId: attempt.userId,
    email: attempt.email?.slice(0, 254) ?? null,
    at: attempt.at,
    success: attempt.success,
    method: attempt.method,
    ip: attempt.ip,
    city: context.city,
    country: context.country,
    asn: context.asn,
    org: context.org,
    network: context.network,
    userAgent: attempt.userAgent?.slice(0, 512) ?? null,
  });
  return context;
}

export interface SignInSummary {
  lastSuccess: { at: Date; ip: string | null; location: string; network: string; method: string } | null;
  recentLocations: string[];
  recentNetworks: string[];
  recentFailures: Array<{ at: Date; ip: string | null; location: string; method: string }>;
  ipSeenBefore: boolean;
  networkSeenBefore: boolean;
  countrySeenBefore: boolean;
}

const RECENT = 20;

/**
 * What an administrator judging a recovery request wants to know about an account's sign-ins,
 * and whether the given request context was ever used for a successful one.
 */
export async function summariseSignIns(db: Executor, userId: string, context: IpContext | null): Promise<SignInSummary> {
  const recent = await db.select().from(signInEvents).where(eq(signInEvents.userId, userId)).orderBy(desc(signInEvents.at)).limit(RECENT);
  const describe = (row: typeof recent[number]) => describeLocation({ ...blankContext(row.ip ?? ''), city: row.city, country: row.country });
  const network = (row: typeof recent[number]) => describeNetwork({ ...blankContext(row.ip ?? ''), asn: row.asn, org: row.org });
  const successes = recent.filter((row) => row.success);
  const last = successes[0];
  const seen = async (condition: ReturnType<typeof sql>) => {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(signInEvents)
      .where(and(eq(signInEvents.userId, userId), eq(signInEvents.success, true), condition));
    return (row?.n ?? 0) > 0;
  };
  return {
    lastSuccess: last ? { at: last.at, ip: last.ip, location: describe(last), network: network(last), method: last.method } : null,
    recentLocations: unique(successes.map(describe)),
    recentNetworks: unique(successes.map(network)),
    recentFailures: recent.filter((row) => !row.success).slice(0, 10).map((row) => ({ at: row.at, ip: row.ip, location: describe(row), method: row.method })),
    ipSeenBefore: context ? await seen(sql`${signInEvents.ip} = ${context.ip}`) : false,
    networkSeenBefore: context?.asn ? await seen(sql`${signInEvents.asn} = ${context.asn}`) : false,
    countrySeenBefore: context?.country ? await seen(sql`${signInEvents.country} = ${context.country}`) : false,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)].filter((v) => v !== 'unknown').slice(0, 5);
}

export function blankContext(ip: string): IpContext {
  return { ip, city: null, region: null, country: null, countryName: null, asn: null, org: null, network: null, anonymous: null };
}
