import type { Role } from '../../../db/schema/index.js';
import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { CsrfField } from '../../layout.js';
import { ROLE_LABELS, TYPE_LABELS } from '../../partials/admin/labels.js';

export type NewUserValues = Partial<Record<'email' | 'name' | 'role' | 'type' | 'groups' | 'phone', string>>;

export type UserNewPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & {
  /** Roles this administrator may give. */
  roles: readonly Role[];
  values: NewUserValues;
  /** One sentence per problem (invalid fields, a taken address). */
  problems: readonly string[];
  /** Days an invitation link works, for the explanation. */
  invitationDays: number;
  /** People are added elsewhere (the directory): the form is not shown. */
  closed?: boolean;
};

/** The answer to the add form's address check (htmx): empty while the address is free. */
export function EmailTaken(props: { taken: boolean }) {
  return props.taken ? <span class="error" role="status">A user with this email already exists.</span> : <span></span>;
}

/** `P/admin/users/new`: add a user, who gets an invitation email to choose a password. */
export function UserNewPage(props: UserNewPageProps) {
  const { prefix, values } = props;
  const field = (name: keyof NewUserValues) => values[name] ?? '';
  return (
    <AdminShell {...props} title="Add a user" section="users">
      <p class="aside"><a href={`${prefix}/admin/users`}>← All users</a></p>
      <h1>Add a user</h1>
      <p>
        The user gets an email with a link to choose their password (it works once, for {props.invitationDays} days),
        and sets up a second factor when they first sign in. You never see or set their password.
      </p>
      {props.problems.length > 0 ? (
        <ul class="error" role="alert" id="form-problems">{props.problems.map((problem) => <li>{problem}</li>)}</ul>
      ) : null}
      {props.closed ? null : <form method="post" action={`${prefix}/admin/users`} class="card" id="new-user">
        <CsrfField token={props.csrfToken} />
        <label for="new-email">Email</label>
        <input id="new-email" name="email" type="email" required maxlength={254} value={field('email')} autocomplete="off"
          hx-get={`${prefix}/admin/users/new/email`} hx-trigger="input changed delay:500ms, change" hx-target="#email-check" hx-swap="innerHTML" />
        <span id="email-check" aria-live="polite"></span>
        <label for="new-name">Name <span class="muted">(optional)</span></label>
        <input id="new-name" name="name" type="text" maxlength={200} value={field('name')} autocomplete="off" />
        <label for="new-role">Role</label>
        <select id="new-role" name="role">{props.roles.map((role) => <option value={role} selected={(field('role') || 'user') === role}>{ROLE_LABELS[role] ?? role}</option>)}</select>
        <label for="new-type">Type</label>
        <select id="new-type" name="type">{Object.entries(TYPE_LABELS).map(([type, label]) => <option value={type} selected={(field('type') || 'user') === type}>{label}</option>)}</select>
        <label for="new-groups">Groups <span class="muted">(optional, separated by commas)</span></label>
        <input id="new-groups" name="groups" type="text" value={field('groups')} autocomplete="off" />
        <label for="new-phone">Phone <span class="muted">(optional, E.164 such as +4915112345678, for recovery codes by SMS)</span></label>
        <input id="new-phone" name="phone" type="tel" value={field('phone')} autocomplete="off" />
        <p><button type="submit">Add and send the invitation</button></p>
      </form>}
    </AdminShell>
  );
}
