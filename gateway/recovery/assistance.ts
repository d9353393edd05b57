/**
 * Assistance requests (issue 6, SECURITY A1–A4): a locked-out user asks for help; the request is
 * recorded with its context, and the administrators allowed to see it are alerted — in one
 * transaction, with the same work whether or not the email matches an account. A request never
 * changes the account (A2) and never mails the address typed in (A3).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.js';
import { countRecentRequestsFor, countRecentRequestsFromNetwork, insertAssistanceRequest } from '../../db/queries/assistance.js';
import { pgErrorCode } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/index.js';
import { writeAudit } from '../audit/write.js';
import { describeLocation, describeNetwork, type GeoIp } from '../context/geoip.js';
import type { Clock } from '../core/clock.js';
import { enqueueEmail } from '../delivery/outbox.js';
import { assistanceAlertEmail } from '../delivery/templates/index.js';
import type { Policy } from '../policy/schema.js';
import type { Limits } from '../ratelimit/limits.js';
import { generateReferenceId } from '../security/codes.js';
import { assistanceRecipients } from './admin-recipients.js';
import { gatherAccountState, storedContext } from './assistance-context.js';
import { findSuspiciousPatterns, networkKeyOf, type SuspiciousFlag } from './suspicious.js';

export type AssistanceType = Policy['recovery']['assistance']['types'][number];

export interface AssistanceDeps {
  db: Database;
  clock: Clock;
  geoip: GeoIp;
  limits: Limits;
  policy: Policy;
  /** session.secret: seals the alert in the outbox. */
  serverSecret: string;
  /** The request on the dashboard, for the administrators' alert. */
  dashboardUrl: (reference: string) => string;
  /**
   * The account an address belongs to: the local row, or under a directory the entry with that
   * email attribute (one search whether or not it exists, SECURITY A1).
   */
  accountByEmail: (email: string) => Promise<UserRow | undefined>;
}

export interface AssistanceSubmission {
  /** Validated by the caller (format); matched case-insensitively. */
  email: string;
  type: AssistanceType;
  /** Free text, already bounded and stripped of control characters other than line breaks. */
  message: string;
  ip: string;
  userAgent: string | null;
  /** The HTTP request id, for the audit rows. */
  requestId: string;
}

export type AssistanceOutcome =
  | { ok: true; id: string; reference: string; userId: string | null; notified: string[]; flags: SuspiciousFlag[] }
  | { ok: false; reason: 'rate_limited'; scope: 'ip' | 'email'; retryAfterMs: number };

// A fresh reference after a (1 in 2^40) collision with an existing one.
const REFERENCE_ATTEMPTS = 3;
const UNIQUE_VIOLATION = '23505';

export async function submitAssistanceRequest(deps: AssistanceDeps, input: AssistanceSubmission): Promise<AssistanceOutcome> {
  const limits = deps.policy.rate_limits.assistance;
  // Keyed by the email as typed, never by the account, so a refusal says nothing about one (A2).
  const byIp = await deps.limits.consume('assistance_ip', input.ip, limits.per_ip);
  if (!byIp.ok) return { ok: false, reason: 'rate_limited', scope: 'ip', retryAfterMs: byIp.retryAfterMs };
  const byEmail = await deps.limits.consume('assistance_email', input.email.toLowerCase(), limits.per_email);
  if (!byEmail.ok) return { ok: false, reason: 'rate_limited', scope: 'email', retryAfterMs: byEmail.retryAfterMs };

  const user = await deps.accountByEmail(input.email);
  for (let attempt = 1; ; attempt++) {
    try {
      return await recordAndNotify(deps, input, user, generateReferenceId());
    } catch (error) {
      if (pgErrorCode(error) !== UNIQUE_VIOLATION || attempt >= REFERENCE_ATTEMPTS) throw error;
    }
  }
}

async function recordAndNotify(deps: AssistanceDeps, input: AssistanceSubmission, user: UserRow | undefined, reference: string): Promise<AssistanceOutcome> {
  const { policy } = deps;
  const now = deps.clock.now();
  const id = randomUUID();
  const ipContext = deps.geoip.lookup(input.ip);
  const location = describeLocation(ipContext);
  const network = describeNetwork(ipContext);
  const networkKey = networkKeyOf(ipContext);
  const suspicious = policy.recovery.assistance.suspicious;
  const since = new Date(now.getTime() - suspicious.window);

  return deps.db.transaction(async (tx) => {
    const state = await gatherAccountState(tx, user, ipContext);
    const findings = findSuspiciousPatterns({
      requestsForAccount: await countRecentRequestsFor(tx, { userId: user?.id ?? null, email: input.email }, since) + 1,
      requestsFromNetwork: await countRecentRequestsFromNetwork(tx, networkKey, since) + 1,
      anonymous: ipContext.anonymous,
      settings: suspicious,
    });
    const flags = findings.map((f) => f.flag);
    const admins = await assistanceRecipients(tx, policy.recovery.data_protection_level);
    const notified = admins.map((a) => a.id);

    await insertAssistanceRequest(tx, {
      id, reference, submittedEmail: input.email, userId: user?.id ?? null, type: input.type, message: input.message,
      ip: ipContext.ip, location, network, flags, notifiedAdmins: notified, now,
      context: storedContext({ ipContext, networkKey, state, userAgent: input.userAgent, findings: findings.map((f) => f.description) }),
    });

    const alert = assistanceAlertEmail({
      reference,
      submittedEmail: input.email,
      type: input.type,
      message: input.message,
      submittedAt: now,
      link: deps.dashboardUrl(reference),
      account: state.account,
      recentEvents: state.recentEvents,
      context: {
        ip: ipContext.ip,
        location,
        network,
        seenIpBefore: state.signIns?.ipSeenBefore ?? false,
        seenNetworkBefore: state.signIns?.networkSeenBefore ?? false,
        flags: findings.map((f) => f.description),
      },
    });
    // Only administrators' stored addresses: the email typed in is never a recipient (A3).
    for (const admin of admins) {
      await enqueueEmail(tx, deps.serverSecret, { kind: 'assistance_alert', to: admin.email, email: alert, userId: admin.id }, now);
    }

    const audit = { at: now, userId: user?.id ?? null, ip: ipContext.ip, location, requestId: input.requestId };
    await writeAudit(tx, deps.serverSecret, {
      ...audit, event: 'assistance.submitted', actor: null,
      details: { reference, type: input.type, matched: user !== undefined, flags, network },
    });
    await writeAudit(tx, deps.serverSecret, { ...audit, event: 'assistance.notified', actor: 'system', details: { reference, admins: notified } });
    return { ok: true as const, id, reference, userId: user?.id ?? null, notified, flags };
  });
}
