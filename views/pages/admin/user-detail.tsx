import type { UserListRow } from '../../../db/queries/admin-users.js';
import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { CsrfField, ErrorNote, NoticeNote } from '../../layout.js';
import { AccountActions, type AccountActionsProps } from '../../partials/admin/action-forms.js';
import { AccountManage, type AccountManageProps } from '../../partials/admin/account-manage.js';
import { DeliveryBadge, KIND_LABELS, ROLE_LABELS, StatusBadge, TYPE_LABELS, When } from '../../partials/admin/labels.js';
import { SecondFactorState } from './users.js';

export interface UserRequestSummary {
  reference: string;
  kind: string;
  createdAt: Date;
  status: string;
  delivery: string;
}

export type UserDetailPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & {
  target: UserListRow;
  /** null: this administrator may not see requests. */
  requests: readonly UserRequestSummary[] | null;
  actions: Omit<AccountActionsProps, 'csrfToken' | 'reasons'> | null;
  reasons: readonly string[];
  /** The permissions form, for an owner or super_admin looking at another admin or owner. */
  managePermissions: { maxLevel: number } | null;
  /** Named groups (CONTRACT §8.2). */
  groups: readonly string[];
  /** The management forms, for an owner or super_admin who may act on this account. */
  manageAccount: Omit<AccountManageProps, 'csrfToken'> | null;
  timeZone: string;
  error?: string | null;
  notice?: string | null;
};

/** `P/admin/users/<id>`: one account, its recovery history, the actions, and (for managers) its management and permissions. */
export function UserDetailPage(props: UserDetailPageProps) {
  const { target, prefix, timeZone } = props;
  return (
    <AdminShell {...props} title={target.email} section="users">
      <p class="aside"><a href={`${prefix}/admin/users`}>← All users</a></p>
      <h1>{target.name || target.email}</h1>
      <ErrorNote message={props.error} />
      <NoticeNote message={props.notice} />
      <table class="facts" id="user-facts">
        <tbody>
          <tr><th scope="row">Email</th><td>{target.email}</td></tr>
          <tr><th scope="row">Role / type</th><td>{ROLE_LABELS[target.role] ?? target.role} / {TYPE_LABELS[target.type] ?? target.type}</td></tr>
          <tr><th scope="row">Groups</th><td>{props.groups.length > 0 ? props.groups.join(', ') : <span class="aside">none</span>}</td></tr>
          <tr><th scope="row">Status</th><td id="user-status">{target.active ? 'active' : target.disabledByAdmin ? 'disabled by an administrator' : 'disabled'}{target.active && target.source === 'local' && !target.hasPassword ? ' · invited, no password yet' : ''}{target.hasPhone ? ' · has a phone number' : ''}</td></tr>
          <tr><th scope="row">Account</th><td id="account-source">{target.source === 'directory' ? "directory (identity and password from the organisation's directory)" : 'local (identity and password kept by Recourse)'}</td></tr>
          <tr><th scope="row">Second factors</th><td><SecondFactorState row={target} /></td></tr>
          <tr><th scope="row">Backup codes left</th><td>{target.codesLeft}</td></tr>
          <tr><th scope="row">Last sign-in</th><td><When at={target.lastSignInAt} timeZone={timeZone} /></td></tr>
          {target.role === 'admin' || target.role === 'owner' ? (
            <tr><th scope="row">Permissions</th><td>data-protection level {target.dataProtectionLevel}{target.expertMode ? ', expert mode' : ''}</td></tr>
          ) : null}
        </tbody>
      </table>
      {props.managePermissions ? (
        <form method="post" action={`${prefix}/admin/users/${target.id}/permissions`} class="card" id="permissions">
          <h3>Administrator permissions</h3>
          <CsrfField token={props.csrfToken} />
          <label for="data-protection-level">Data-protection level (0 = none)</label>
          <input id="data-protection-level" name="data_protection_level" type="number" min={0} max={props.managePermissions.maxLevel} value={String(target.dataProtectionLevel)} required />
          <label><input type="checkbox" name="expert_mode" value="on" checked={target.expertMode} /> Expert mode (may issue recovery codes)</label>
          <p><button type="submit">Save permissions</button></p>
        </form>
      ) : null}
      {props.manageAccount ? <AccountManage {...props.manageAccount} csrfToken={props.csrfToken} /> : null}
      {props.actions ? <><h2>Actions</h2><AccountActions {...props.actions} csrfToken={props.csrfToken} reasons={props.reasons} /></> : null}
      <h2>Recovery requests</h2>
      {props.requests === null ? <p class="aside">Needs the data-protection permission.</p> : props.requests.length === 0 ? <p class="aside">None.</p> : (
        <table>
          <thead><tr><th>Reference</th><th>Type</th><th>Requested</th><th>Status</th><th>Delivery</th></tr></thead>
          <tbody>
            {props.requests.map((r) => (
              <tr>
                <td><a class="code" href={`${prefix}/admin/requests/${r.reference}`}>{r.reference}</a></td>
                <td>{KIND_LABELS[r.kind] ?? r.kind}</td>
                <td><When at={r.createdAt} timeZone={timeZone} /></td>
                <td><StatusBadge status={r.status} /></td>
                <td><DeliveryBadge delivery={r.delivery} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="aside"><a href={`${prefix}/admin/audit?user=${target.id}`}>This user's audit log →</a></p>
    </AdminShell>
  );
}
