/**
 * Assistance requests (issue 6, SECURITY A1–A4): a locked-out user asks for help. In two steps:
 * before the answer, what the requester sent is recorded under a new reference — the same work
 * whatever the email; after it, the assistance worker (assistance-intake.ts) matches the account,
 * gathers the context, flags suspicious patterns and alerts the administrators. Nothing an
 * existing account makes the gateway do lies on the answer's path, so however loaded the machine
 * its timing cannot tell one from an unknown email (A1). A request never changes the account (A2)
 * and never mails the address typed in (A3).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.js';
import { insertAssistanceRequest } from '../../db/queries/assistance.js';
import { pgErrorCode } from '../../db/queries/users.js';
import { describeLocation, describeNetwork, type GeoIp } from '../context/geoip.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../policy/schema.js';
import type { Limits } from '../ratelimit/limits.js';
import { generateReferenceId } from '../security/codes.js';
import { networkKeyOf } from './suspicious.js';

export type AssistanceType = Policy['recovery']['assistance']['types'][number];

export interface AssistanceDeps {
  db: Database;
  clock: Clock;
  geoip: GeoIp;
  limits: Limits;
  policy: Policy;
}

export interface AssistanceSubmission {
  /** Validated by the caller (format); matched case-insensitively, after the answer. */
  email: string;
  type: AssistanceType;
  /** Free text, already bounded and stripped of control characters other than line breaks. */
  message: string;
  ip: string;
  userAgent: string | null;
  /** The HTTP request id, for the audit rows written after the answer. */
  requestId: string;
}

export type AssistanceOutcome =
  | { ok: true; id: string; reference: string }
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

  for (let attempt = 1; ; attempt++) {
    try {
      return await recordSubmission(deps, input, generateReferenceId());
    } catch (error) {
      if (pgErrorCode(error) !== UNIQUE_VIOLATION || attempt >= REFERENCE_ATTEMPTS) throw error;
    }
  }
}

/**
 * One insert of what was sent and where from (the address's location and network need no
 * account). The context keeps what the worker needs later: the network key (other requests'
 * flags count it at once), the user agent and the request id for the audit rows.
 */
async function recordSubmission(deps: AssistanceDeps, input: AssistanceSubmission, reference: string): Promise<AssistanceOutcome> {
  const id = randomUUID();
  const ipContext = deps.geoip.lookup(input.ip);
  await insertAssistanceRequest(deps.db, {
    id, reference, submittedEmail: input.email, userId: null, type: input.type, message: input.message,
    ip: ipContext.ip, location: describeLocation(ipContext), network: describeNetwork(ipContext),
    context: { networkKey: networkKeyOf(ipContext), userAgent: input.userAgent, requestId: input.requestId },
    flags: [], notifiedAdmins: [], now: deps.clock.now(), processedAt: null,
  });
  return { ok: true, id, reference };
}
