import type { AssistanceRequestRow, RecentAuditEvent } from '../../../db/queries/assistance.js';
import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { ErrorNote, NoticeNote } from '../../layout.js';
import { AccountActions, ActionForm, type AccountActionsProps } from '../../partials/admin/action-forms.js';
import { DeliveryBadge, KIND_LABELS, ROLE_LABELS, StatusBadge, TYPE_LABELS, When } from '../../partials/admin/labels.js';
import { RequestContext } from '../../partials/admin/request-context.js';

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
  recentEvents: readonly RecentAuditEvent[];
  /** The account actions, when the request is open and matched an account. */
  actions: Omit<AccountActionsProps, 'csrfToken' | 'reasons'> | null;
  /** Cancel, when the request is open: null when allowed, else why not. */
  cancel: { unavailable: string | null } | null;
  reasons: readonly string[];
  timeZone: string;
  error?: string | null;
  notice?: string | null;
};

/** `P/admin/requests/AR-XXXX-XXXX`: everything known about one request, and what can be done about it. */
export function RequestDetailPage(props: RequestDetailPageProps) {
  const { request, account, timeZone } = props;
  return (
    <AdminShell {...props} title={`Request ${request.reference}`} section="requests">
      <p class="aside"><a href={`${props.prefix}/admin/requests`}>← All requests</a></p>
      <h1>Request <span class="code">{request.reference}</span></h1>
      <ErrorNote message={props.error} />
      <NoticeNote message={props.notice} />
      <p>
        <StatusBadge status={request.status} /> <DeliveryBadge delivery={request.delivery} />{' '}
        <span class="muted">{KIND_LABELS[request.type] ?? request.type} · requested <When at={request.createdAt} timeZone={timeZone} /></span>
      </p>
      {request.closedReason ? <p class="aside">Closed: {request.closedReason}</p> : null}
      <table class="facts" id="requester">
        <tbody>
          <tr><th scope="row">Email entered</th><td>{request.submittedEmail}</td></tr>
          <tr><th scope="row">Account</th><td>{account ? <a href={`${props.prefix}/admin/users/${account.id}`}>{account.name || account.email}</a> : 'no account matches'}</td></tr>
          {account ? <>
            <tr><th scope="row">Registered email</th><td>{account.email}</td></tr>
            <tr><th scope="row">Role / type</th><td>{ROLE_LABELS[account.role] ?? account.role} / {TYPE_LABELS[account.type] ?? account.type}</td></tr>
            <tr><th scope="row">Account status</th><td>{account.active ? 'active' : 'disabled'}{account.hasPhone ? ' · has a phone number' : ''}</td></tr>
          </> : null}
          <tr><th scope="row">IP and location</th><td>{request.ip ?? '—'} · {request.location ?? 'unknown'} · {request.network ?? 'unknown'}</td></tr>
          <tr><th scope="row">Message</th><td class="message">{request.message ? <MultiLine text={request.message} /> : <span class="muted">(none)</span>}</td></tr>
        </tbody>
      </table>
      <RequestContext context={request.context} flags={request.flags} recentEvents={props.recentEvents} timeZone={timeZone} />
      {props.actions || props.cancel ? <h2>Actions</h2> : null}
      {props.actions ? <AccountActions {...props.actions} csrfToken={props.csrfToken} reasons={props.reasons} /> : null}
      {props.cancel ? (
        <ActionForm id="cancel" action={`${props.prefix}/admin/requests/${request.reference}/cancel`} csrfToken={props.csrfToken} reasons={props.reasons}
          title="Cancel" button="Reject and close the request" danger unavailable={props.cancel.unavailable} />
      ) : null}
    </AdminShell>
  );
}

/** Line breaks kept without inline styles (the CSP allows none). */
function MultiLine(props: { text: string }) {
  return <>{props.text.split('\n').map((line, i) => <>{i > 0 ? <br /> : null}{line}</>)}</>;
}
