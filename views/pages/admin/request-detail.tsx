import type { AssistanceRequestRow, RecentAuditEvent } from '../../../db/queries/assistance.js';
import type { OpenRequest } from '../../../db/queries/admin.js';
import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { ErrorNote, NoticeNote } from '../../layout.js';
import { AccountActions, CancelForm, DuplicatesForm, type AccountActionsProps } from '../../partials/admin/action-forms.js';
import { DeliveryBadge, KIND_LABELS, StaleBadge, StatusBadge, When } from '../../partials/admin/labels.js';
import { AccountStates, RequestContext, type AccountNow } from '../../partials/admin/request-context.js';

export interface RequestAccount {
  id: string;
  name: string;
  email: string;
  role: string;
  type: string;
  active: boolean;
  hasPhone: boolean;
}

export type RequestDetailPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & {
  request: AssistanceRequestRow;
  account: RequestAccount | null;
  /** The account as it is now, beside its state when the request arrived. */
  now: AccountNow | null;
  /** The account's recent security events as sentences (issue 28 item 5). */
  security: readonly string[];
  recentEvents: readonly RecentAuditEvent[];
  /** The account actions, when the request is open and matched an active account. */
  actions: Omit<AccountActionsProps, 'csrfToken' | 'reasons'> | null;
  /** Cancel, when the request is open: null when allowed, else why not; and who will be emailed. */
  cancel: { unavailable: string | null; emailLine: string } | null;
  reasons: readonly string[];
  cancelReasons: readonly string[];
  /** The account's other open requests; `mayCancel` offers them for cancellation as duplicates. */
  otherOpen: { requests: readonly OpenRequest[]; mayCancel: boolean };
  timeZone: string;
  nowMs: number;
  staleAfterMs: number;
  error?: string | null;
  notice?: string | null;
};

/** `P/admin/requests/AR-XXXX-XXXX`: what can be done about one request first, then what is known about it. */
export function RequestDetailPage(props: RequestDetailPageProps) {
  const { request, account, timeZone, prefix } = props;
  const base = `${prefix}/admin/requests/${request.reference}`;
  const others = props.otherOpen.requests;
  return (
    <AdminShell {...props} title={`Request ${request.reference}`} section="requests">
      <p class="aside"><a href={`${prefix}/admin/requests`}>← All requests</a></p>
      <h1>Request <span class="code">{request.reference}</span></h1>
      <ErrorNote message={props.error} />
      <NoticeNote message={props.notice} />
      <p id="request-state">
        Status: <StatusBadge status={request.status} /> · Delivery: <DeliveryBadge delivery={request.delivery} status={request.status} />{' '}
        <StaleBadge createdAt={request.createdAt} status={request.status} nowMs={props.nowMs} staleAfterMs={props.staleAfterMs} />{' '}
        <span class="muted">{KIND_LABELS[request.type] ?? request.type} · requested <When at={request.createdAt} timeZone={timeZone} /> by {account ? <a href={`${prefix}/admin/users/${account.id}`}>{account.name || account.email}</a> : <>{request.submittedEmail} (no account)</>}</span>
      </p>
      {request.closedReason ? <p class="aside">Closed: {request.closedReason}</p> : null}
      {props.actions || props.cancel ? <h2>Actions</h2> : null}
      {props.actions ? <AccountActions {...props.actions} csrfToken={props.csrfToken} reasons={props.reasons} /> : null}
      {props.cancel ? (
        <CancelForm action={`${base}/cancel`} csrfToken={props.csrfToken} reasons={props.cancelReasons} emailLine={props.cancel.emailLine} unavailable={props.cancel.unavailable} />
      ) : null}
      {others.length ? (
        <section id="other-open">
          <h2>Other open requests of this account</h2>
          <ul>
            {others.map((other) => (
              <li data-reference={other.reference}>
                <a class="code" href={`${prefix}/admin/requests/${other.reference}`}>{other.reference}</a>{' '}
                <StatusBadge status={other.status} /> <span class="muted">{KIND_LABELS[other.kind] ?? other.kind} · <When at={other.createdAt} timeZone={timeZone} /></span>
              </li>
            ))}
          </ul>
          {props.otherOpen.mayCancel ? <DuplicatesForm action={`${base}/cancel-duplicates`} csrfToken={props.csrfToken} reasons={props.cancelReasons} count={others.length} /> : null}
        </section>
      ) : null}
      <h2>Requester</h2>
      <table class="facts" id="requester">
        <tbody>
          <tr><th scope="row">Email entered</th><td>{request.submittedEmail}</td></tr>
          <tr><th scope="row">Account</th><td>{account ? <a href={`${prefix}/admin/users/${account.id}`}>{account.name || account.email}</a> : 'no account matches'}</td></tr>
          {account ? <tr><th scope="row">Registered email</th><td>{account.email}{account.hasPhone ? ' · has a phone number' : ''}</td></tr> : null}
          <tr><th scope="row">IP and location</th><td>{request.ip ?? 'unknown'} · {request.location ?? 'unknown'} · {request.network ?? 'unknown'}</td></tr>
          <tr><th scope="row">Message</th><td class="message">{request.message ? <MultiLine text={request.message} /> : <span class="muted">(none)</span>}</td></tr>
        </tbody>
      </table>
      {account ? <AccountStates context={request.context} now={props.now} timeZone={timeZone} /> : null}
      <RequestContext context={request.context} flags={request.flags} security={props.security} recentEvents={props.recentEvents} timeZone={timeZone} />
    </AdminShell>
  );
}

/** Line breaks kept without inline styles (the CSP allows none). */
function MultiLine(props: { text: string }) {
  return <>{props.text.split('\n').map((line, i) => <>{i > 0 ? <br /> : null}{line}</>)}</>;
}
