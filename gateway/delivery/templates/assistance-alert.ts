/**
 * Alerts administrators to an assistance request (`POST P/assist`). Everything the requester typed
 * (email, message) and everything derived from their connection is attacker-controlled: it is
 * escaped in HTML, kept to one line or quoted in text, and the alert tells the admin to verify the
 * requester elsewhere, because the request itself proves nothing.
 */
import { describeSecurityFacts, type SecurityFacts } from '../../recovery/security-events.js';
import { clip, html, oneLine, quoteLines } from './escape.js';
import { formatWhen, htmlFields, linkButton, PRODUCT, renderedEmail, textFields, type RenderedEmail } from './layout.js';

export interface AssistanceAccount {
  exists: boolean;
  active: boolean;
  name: string | null;
  role: string;
  twoFactorEnabled: boolean;
  unusedBackupCodes: number;
  /** The account's recent security events, told as sentences (issue 28 item 5). */
  security?: SecurityFacts;
}

export interface AssistanceEvent {
  at: Date | string;
  event: string;
  ip: string | null;
  location: string | null;
}

export interface AssistanceContext {
  ip: string;
  location: string | null;
  network: string | null;
  seenIpBefore: boolean;
  seenNetworkBefore: boolean;
  flags: string[];
}

export interface AssistanceAlertInput {
  reference: string;
  submittedEmail: string;
  type: string;
  message: string;
  submittedAt: Date | string;
  /** The request on the dashboard (`P/admin/requests/…`). */
  link: string;
  account: AssistanceAccount | null;
  recentEvents: AssistanceEvent[];
  context: AssistanceContext;
}

const TYPE_LABELS: Record<string, string> = {
  lost_2fa: 'Lost second factor',
  forgot_password: 'Forgot password',
  locked_out: 'Locked out',
  other: 'Other',
};

// An alert is read, not scrolled; the dashboard has the full history.
const MAX_EVENTS = 15;

const VERIFY =
  "Before you act, verify the requester's identity through another channel you already trust, such as a call to a phone number on file or their line manager. Do not rely on this request, its message or a reply to this email: anyone can submit one in someone else's name.";

type Rows = [label: string, value: unknown][];

const yesNo = (v: boolean) => (v ? 'yes' : 'no');

export function assistanceAlertEmail(input: AssistanceAlertInput): RenderedEmail {
  const type = TYPE_LABELS[input.type] ?? oneLine(input.type);
  const subject = `${PRODUCT}: assistance request ${oneLine(input.reference)} (${type})`;
  const message = clip(input.message);
  const request: Rows = [
    ['Reference', input.reference],
    ['Type', type],
    ['Email entered', input.submittedEmail],
    ['Submitted', formatWhen(input.submittedAt)],
  ];
  const account = accountRows(input.account);
  const events = input.recentEvents.slice(0, MAX_EVENTS);
  // Sentences when the facts were gathered; the raw rows otherwise (an alert built elsewhere).
  const sentences = input.account?.security ? describeSecurityFacts(input.account.security, formatWhen) : null;
  const ctx = input.context;
  const context: Rows = [
    ['IP address', ctx.ip],
    ['Location', ctx.location ?? 'unknown'],
    ['Network', ctx.network ?? 'unknown'],
    ['IP seen before', yesNo(ctx.seenIpBefore)],
    ['Network seen before', yesNo(ctx.seenNetworkBefore)],
    ['Flags', ctx.flags.length ? ctx.flags.map(oneLine).join(', ') : 'none'],
  ];

  const text = [
    `New ${PRODUCT} assistance request ${oneLine(input.reference)}.`,
    '',
    'Request',
    ...textFields(request),
    '  Message:',
    message.trim() ? quoteLines(message).replace(/^/gm, '    ') : '    (none)',
    '',
    'Account status',
    ...(account ? textFields(account) : ['  No account matches the email entered.']),
    '',
    'Recent security events',
    ...(sentences ? sentences.map((sentence) => `  ${oneLine(sentence)}`) : events.length
      ? events.map((e) => `  ${formatWhen(e.at)}  ${oneLine(e.event)}  ${oneLine(e.ip ?? '-')}  ${oneLine(e.location ?? '')}`.trimEnd())
      : ['  None.']),
    '',
    'Request context',
    ...textFields(context),
    '',
    `Open the request on the dashboard: ${oneLine(input.link)}`,
    '',
    VERIFY,
  ];

  const cell = 'padding:0.15rem 0.75rem 0.15rem 0;text-align:left;vertical-align:top';
  const body = html`<p>New ${PRODUCT} assistance request <strong>${input.reference}</strong>.</p>
<h2 style="font-size:1.1em;margin-top:1.5rem">Request</h2>
${htmlFields(request)}
<p style="font-weight:600;margin-bottom:0.25rem">Message</p>
<blockquote style="white-space:pre-wrap;border-left:3px solid #d0d7de;margin:0 0 1rem;padding:0.25rem 0.75rem;color:#1f2328">${message.trim() ? message : '(none)'}</blockquote>
<h2 style="font-size:1.1em;margin-top:1.5rem">Account status</h2>
${account ? htmlFields(account) : html`<p>No account matches the email entered.</p>`}
<h2 style="font-size:1.1em;margin-top:1.5rem">Recent security events</h2>
${sentences ? html`<ul>${sentences.map((sentence) => html`<li>${sentence}</li>`)}</ul>` : events.length
    ? html`<table style="border-collapse:collapse;font-size:0.9em"><tr><th style="${cell}">Time</th><th style="${cell}">Event</th><th style="${cell}">IP address</th><th style="${cell}">Location</th></tr>${events.map(
        (e) => html`<tr><td style="${cell}">${formatWhen(e.at)}</td><td style="${cell}">${e.event}</td><td style="${cell}">${e.ip ?? '-'}</td><td style="${cell}">${e.location ?? ''}</td></tr>`,
      )}</table>`
    : html`<p>None.</p>`}
<h2 style="font-size:1.1em;margin-top:1.5rem">Request context</h2>
${htmlFields(context)}
${linkButton(input.link, 'Open the request on the dashboard')}
<p style="background:#fff8c5;border:1px solid #d4a72c;padding:0.75rem;border-radius:6px"><strong>${VERIFY}</strong></p>`;

  return renderedEmail(subject, text, body);
}

function accountRows(account: AssistanceAccount | null): Rows | undefined {
  if (!account || !account.exists) return undefined;
  return [
    ['Name', account.name ?? '(not set)'],
    ['Role', account.role],
    ['Active', yesNo(account.active)],
    ['Two-factor', account.twoFactorEnabled ? 'enabled' : 'not enabled'],
    ['Unused backup codes', account.unusedBackupCodes],
  ];
}
