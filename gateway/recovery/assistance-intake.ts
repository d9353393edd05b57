/**
 * The account work of an assistance request, done after the requester has their answer (SECURITY
 * A1): the email is matched to an account, the account's state and the request's context are
 * stored for the dashboard, suspicious patterns are flagged, and the administrators allowed to
 * see it are alerted through the outbox — in one transaction with the audit rows. The row is
 * claimed with SKIP LOCKED, so any instance may do it, and once only.
 */
import type { Database } from '../../db/client.js';
import {
  completeRequestIntake, countRecentRequestsFor, countRecentRequestsFromNetwork, lockUnprocessedRequest, nextUnprocessedRequest,
} from '../../db/queries/assistance.js';
import type { UserRow } from '../../db/schema/index.js';
import { writeAudit } from '../audit/write.js';
import { describeLocation, describeNetwork, type GeoIp } from '../context/geoip.js';
import type { Clock } from '../core/clock.js';
import { enqueueEmail } from '../delivery/outbox.js';
import { assistanceAlertEmail } from '../delivery/templates/index.js';
import type { Policy } from '../policy/schema.js';
import { assistanceRecipients } from './admin-recipients.js';
import type { AssistanceType } from './assistance.js';
import { gatherAccountState, storedContext } from './assistance-context.js';
import { findSuspiciousPatterns, networkKeyOf, type SuspiciousFlag } from './suspicious.js';

export interface IntakeDeps {
  db: Database;
  clock: Clock;
  geoip: GeoIp;
  /** The live policy: recipients' level and the suspicious-pattern settings as they are now. */
  policy: () => Policy;
  /** session.secret: keys the audit chain and seals the alert in the outbox. */
  serverSecret: string;
  /** The request on the dashboard, for the administrators' alert. */
  dashboardUrl: (reference: string) => string;
  /**
   * The account an address belongs to: the local row, or under a directory the entry with that
   * email attribute. Asked outside the transaction: a directory's round trip holds no connection.
   */
  accountByEmail: (email: string) => Promise<UserRow | undefined>;
}

export interface Intake {
  reference: string;
  userId: string | null;
  notified: string[];
  flags: SuspiciousFlag[];
}

/**
 * Does the account work of the oldest request still waiting for it: `none` when no request is,
 * `taken` when another worker claimed it first.
 */
export async function processNextAssistanceRequest(deps: IntakeDeps): Promise<Intake | 'none' | 'taken'> {
  const waiting = await nextUnprocessedRequest(deps.db);
  if (!waiting) return 'none';
  const user = await deps.accountByEmail(waiting.submittedEmail);
  return deps.db.transaction(async (tx) => {
    const request = await lockUnprocessedRequest(tx, waiting.id);
    if (!request) return 'taken' as const;
    const policy = deps.policy();
    const now = deps.clock.now();
    const sent = request.context as { userAgent?: string | null; requestId?: string | null };
    const ipContext = deps.geoip.lookup(request.ip ?? '');
    const location = describeLocation(ipContext);
    const network = describeNetwork(ipContext);
    const networkKey = networkKeyOf(ipContext);
    const suspicious = policy.recovery.assistance.suspicious;
    const since = new Date(request.createdAt.getTime() - suspicious.window);

    const state = await gatherAccountState(tx, user, ipContext);
    const findings = findSuspiciousPatterns({
      requestsForAccount: await countRecentRequestsFor(tx, { userId: user?.id ?? null, email: request.submittedEmail }, since, request.id) + 1,
      requestsFromNetwork: await countRecentRequestsFromNetwork(tx, networkKey, since, request.id) + 1,
      anonymous: ipContext.anonymous,
      settings: suspicious,
    });
    const flags = findings.map((f) => f.flag);
    const admins = await assistanceRecipients(tx, policy.recovery.data_protection_level);
    const notified = admins.map((a) => a.id);
    await completeRequestIntake(tx, request.id, {
      userId: user?.id ?? null, flags, notifiedAdmins: notified, now,
      context: storedContext({ ipContext, networkKey, state, userAgent: sent.userAgent ?? null, findings: findings.map((f) => f.description) }),
    });

    const alert = assistanceAlertEmail({
      reference: request.reference,
      submittedEmail: request.submittedEmail,
      type: request.type as AssistanceType,
      message: request.message,
      submittedAt: request.createdAt,
      link: deps.dashboardUrl(request.reference),
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

    const audit = { at: now, userId: user?.id ?? null, ip: ipContext.ip, location, requestId: sent.requestId ?? null };
    await writeAudit(tx, deps.serverSecret, {
      ...audit, event: 'assistance.submitted', actor: null,
      details: { reference: request.reference, type: request.type, matched: user !== undefined, flags, network },
    });
    await writeAudit(tx, deps.serverSecret, { ...audit, event: 'assistance.notified', actor: 'system', details: { reference: request.reference, admins: notified } });
    return { reference: request.reference, userId: user?.id ?? null, notified, flags };
  });
}
