import type { UserListRow } from '../../../db/queries/admin-users.js';
import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { ROLE_LABELS, TYPE_LABELS, When } from '../../partials/admin/labels.js';

export interface UserFilterValues {
  q: string;
  role: string;
  type: string;
  status: string;
}

export type UsersPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & {
  rows: readonly UserListRow[];
  filter: UserFilterValues;
  nextCursor: string | null;
  lowThreshold: number;
  timeZone: string;
  /** Offer "Add user" (an owner or super_admin, with the local directory). */
  canAdd?: boolean;
};

export function SecondFactorState(props: { row: Pick<UserListRow, 'totp' | 'securityKeys'> }) {
  const parts = [props.row.totp ? 'authenticator app' : null, props.row.securityKeys ? `${props.row.securityKeys} security key${props.row.securityKeys > 1 ? 's' : ''}` : null].filter(Boolean);
  return parts.length ? <span class="badge ok">{parts.join(' + ')}</span> : <span class="badge bad">none</span>;
}

function Choice(props: { name: string; label: string; value: string; options: Array<[string, string]> }) {
  return (
    <label>{props.label}
      <select name={props.name}>{props.options.map(([value, label]) => <option value={value} selected={props.value === value}>{label}</option>)}</select>
    </label>
  );
}

/** `P/admin/users`: search, filters, and per user the state that matters for recovery. */
export function UsersPage(props: UsersPageProps) {
  const { prefix, filter } = props;
  const next = new URLSearchParams({ ...filter, cursor: props.nextCursor ?? '' }).toString();
  return (
    <AdminShell {...props} title="Users" section="users">
      <h1>Users</h1>
      {props.canAdd ? <p><a class="button" id="add-user" href={`${prefix}/admin/users/new`}>Add a user</a></p> : null}
      <form method="get" action={`${prefix}/admin/users`} class="filters" id="user-filters">
        <label>Search<input type="search" name="q" value={filter.q} placeholder="email or name" maxlength={200} /></label>
        <Choice name="role" label="Role" value={filter.role} options={[['all', 'All roles'], ['super_admin', 'Super admin'], ['owner', 'Owner'], ['admin', 'Admin'], ['user', 'User']]} />
        <Choice name="type" label="Type" value={filter.type} options={[['all', 'All Types'], ['user', 'User'], ['employee', 'Employee'], ['customer', 'Customer']]} />
        <Choice name="status" label="Status" value={filter.status} options={[['all', 'All'], ['active', 'Active'], ['disabled', 'Disabled']]} />
        <button type="submit">Search</button>
      </form>
      {props.rows.length === 0 ? <p class="aside">No users match.</p> : (
        <table id="users-table">
          <thead><tr><th>User</th><th>Role</th><th>Type</th><th>Status</th><th>Account</th><th>2FA</th><th>Codes left</th><th>Last sign-in</th></tr></thead>
          <tbody>
            {props.rows.map((row) => (
              <tr data-user={row.id}>
                <td><a href={`${prefix}/admin/users/${row.id}`}><strong>{row.name || row.email}</strong></a><br /><span class="muted">{row.email}</span></td>
                <td>
                  {ROLE_LABELS[row.role] ?? row.role}
                  {row.role === 'admin' || row.role === 'owner' ? <><br /><span class="muted">level {row.dataProtectionLevel}{row.expertMode ? ' · expert' : ''}</span></> : null}
                </td>
                <td>{TYPE_LABELS[row.type] ?? row.type}</td>
                <td>{row.active ? <span class="badge ok">active</span> : <span class="badge bad">disabled</span>}</td>
                <td class="account-source">{row.source}</td>
                <td><SecondFactorState row={row} /></td>
                <td>{row.codesLeft}{row.codesLeft <= props.lowThreshold ? <> <span class="badge warn">low</span></> : null}</td>
                <td><When at={row.lastSignInAt} timeZone={props.timeZone} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.nextCursor ? <p class="aside"><a href={`${prefix}/admin/users?${next}`}>Next page →</a></p> : null}
    </AdminShell>
  );
}
