/**
 * Managing one account on its page (owners and super_admins): role, type and groups, disable or
 * enable, end sessions, invite again. Plain forms that work without JavaScript; the server checks
 * everything again. A directory user's identity is the directory's: it is shown, not offered.
 */
import type { UserListRow } from '../../../db/queries/admin-users.js';
import type { Role } from '../../../db/schema/index.js';
import { CsrfField } from '../../layout.js';
import { ROLE_LABELS, TYPE_LABELS } from './labels.js';

export interface AccountManageProps {
  /** `P/admin/users/<id>`: the forms post below it. */
  base: string;
  csrfToken: string;
  target: UserListRow;
  groups: readonly string[];
  liveSessions: number;
  /** Roles this administrator may give. */
  roles: readonly Role[];
  /** Its identity, role, type and groups come from the organisation's directory. */
  directoryOwned: boolean;
}

function PostButton(props: { action: string; csrfToken: string; label: string; danger?: boolean; id: string }) {
  return (
    <form method="post" action={props.action} class="inline" id={props.id}>
      <CsrfField token={props.csrfToken} />
      <button type="submit" class={props.danger ? 'danger' : undefined}>{props.label}</button>
    </form>
  );
}

export function AccessForm(props: AccountManageProps) {
  const { target } = props;
  if (props.directoryOwned) {
    return (
      <p class="card" id="directory-owned">
        Email, name, role, type and groups of this account come from the organisation's directory
        (<code>role_groups</code>, <code>type_groups</code>) and follow it at every refresh: change them there.
      </p>
    );
  }
  return (
    <form method="post" action={`${props.base}/access`} class="card" id="access">
      <h3>Role, type and groups</h3>
      <CsrfField token={props.csrfToken} />
      <label for="access-role">Role</label>
      <select id="access-role" name="role">{props.roles.map((role) => <option value={role} selected={role === target.role}>{ROLE_LABELS[role] ?? role}</option>)}</select>
      <label for="access-type">Type</label>
      <select id="access-type" name="type">{Object.entries(TYPE_LABELS).map(([type, label]) => <option value={type} selected={type === target.type}>{label}</option>)}</select>
      <label for="groups-list">Groups, separated by commas (letters, digits, . _ - @ and inner spaces)</label>
      <input id="groups-list" name="groups" type="text" value={props.groups.join(', ')} autocomplete="off" />
      <p><button type="submit">Save role, type and groups</button></p>
    </form>
  );
}

export function AccountStateCard(props: AccountManageProps) {
  const { target, base, csrfToken } = props;
  const disabledInDirectory = !target.active && !target.disabledByAdmin;
  return (
    <section class="card" id="account-state">
      <h3>Account</h3>
      <p>
        {target.active ? 'Active.' : target.disabledByAdmin ? 'Disabled by an administrator.' : 'Disabled in the organisation\'s directory.'}
        {' '}{props.liveSessions === 1 ? '1 live session.' : `${props.liveSessions} live sessions.`}
        {target.active && !target.hasPassword && !props.directoryOwned ? ' Invited: no password chosen yet.' : ''}
      </p>
      {target.active ? (
        <details class="action">
          <summary><strong>Disable</strong></summary>
          <p class="aside">
            Signs the user out everywhere at once and keeps them out; their unused links stop working.
            {props.directoryOwned ? ' The directory cannot enable them again: only an administrator here can.' : ''}
          </p>
          <PostButton action={`${base}/disable`} csrfToken={csrfToken} label="Disable this account" danger id="disable" />
        </details>
      ) : disabledInDirectory && props.directoryOwned ? (
        <p class="aside">Enable it in the directory; the next refresh brings it back here.</p>
      ) : (
        <PostButton action={`${base}/enable`} csrfToken={csrfToken} label="Enable this account" id="enable" />
      )}
      {' '}
      <PostButton action={`${base}/end-sessions`} csrfToken={csrfToken} label="End all sessions" id="end-sessions" />
      {' '}
      {target.active && !target.hasPassword && !props.directoryOwned
        ? <PostButton action={`${base}/invite`} csrfToken={csrfToken} label="Send the invitation again" id="reinvite" />
        : null}
    </section>
  );
}

export function AccountManage(props: AccountManageProps) {
  return (
    <>
      <h2>Manage</h2>
      <AccountStateCard {...props} />
      <AccessForm {...props} />
    </>
  );
}
