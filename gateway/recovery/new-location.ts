/**
 * The `new_location` trigger: a successful sign-in from a country or a network (AS number) the
 * account never signed in from. Only places the history can speak for count: the first sign-in
 * of an account is not "new", and neither is the first one after GeoIP databases were added.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { signInEvents } from '../../db/schema/index.js';
import type { IpContext } from '../context/geoip.js';
import { rulesFor, type ReenrollmentDeps } from './reenrollment.js';

export interface NewLocation {
  /** What was never seen before: the country, the network, or both. */
  because: Array<'country' | 'network'>;
  country: string | null;
  asn: number | null;
}

/** Compares a place with the account's earlier successful sign-ins (call before recording this one). */
export async function compareWithHistory(db: Executor, userId: string, place: Pick<IpContext, 'country' | 'asn'>): Promise<NewLocation | null> {
  if (!place.country && place.asn === null) return null;
  const [seen] = await db.select({
    withCountry: sql<number>`count(*) filter (where ${signInEvents.country} is not null)::int`,
    sameCountry: sql<number>`count(*) filter (where ${signInEvents.country} = ${place.country ?? ''})::int`,
    withAsn: sql<number>`count(*) filter (where ${signInEvents.asn} is not null)::int`,
    sameAsn: sql<number>`count(*) filter (where ${signInEvents.asn} = ${place.asn ?? -1})::int`,
  }).from(signInEvents).where(and(eq(signInEvents.userId, userId), eq(signInEvents.success, true)));
  if (!seen) return null;
  const because: NewLocation['because'] = [];
  if (place.country && seen.withCountry > 0 && seen.sameCountry === 0) because.push('country');
  if (place.asn !== null && seen.withAsn > 0 && seen.sameAsn === 0) because.push('network');
  return because.length > 0 ? { because, country: place.country, asn: place.asn } : null;
}

/**
 * Whether this sign-in fires `new_location` for the user: null when no rule would act on it (and
 * then the history is not even read) or the place is known. Call it inside the sign-in's
 * transaction before the attempt is recorded; fire the trigger after the sign-in's audit row.
 */
export async function detectNewLocation(
  tx: Executor,
  deps: ReenrollmentDeps,
  input: { userId: string; role: string; type: string; place: Pick<IpContext, 'country' | 'asn'> },
): Promise<NewLocation | null> {
  if (rulesFor(deps.policies.current().policy, input, 'new_location').length === 0) return null;
  return compareWithHistory(tx, input.userId, input.place);
}
