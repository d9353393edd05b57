/** The dashboard's frame: navigation between the admin pages and the single-super_admin warning (SECURITY D3). */
import type { Child } from 'hono/jsx';
import { Layout } from '../layout.js';

export type AdminSection = 'overview' | 'requests' | 'users' | 'backup-codes' | 'audit' | 'policies' | 'settings';

const SECTIONS: ReadonlyArray<[AdminSection, string, string]> = [
  ['overview', 'Overview', ''],
  ['requests', 'Requests', '/requests'],
  ['users', 'Users', '/users'],
  ['backup-codes', 'Backup codes', '/backup-codes'],
  ['audit', 'Audit log', '/audit'],
  ['policies', 'Policies', '/policies'],
  ['settings', 'Settings', '/settings'],
];

export interface AdminShellProps {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string };
  title: string;
  section: AdminSection;
  /** Active super_admins; one alone gets the warning on every dashboard page. */
  superAdmins: number;
  children?: Child;
}

export function AdminNav(props: { prefix: string; section: AdminSection }) {
  return (
    <nav class="admin-nav filters" aria-label="Dashboard">
      {SECTIONS.map(([section, label, path]) => (
        <a href={`${props.prefix}/admin${path}`} class={section === props.section ? 'button' : 'button secondary'} aria-current={section === props.section ? 'page' : undefined}>{label}</a>
      ))}
    </nav>
  );
}

export function SoleSuperAdminWarning(props: { superAdmins: number }) {
  if (props.superAdmins > 1) return null;
  return (
    // A standing condition shown on every dashboard page, not news: no role=alert, or screen
    // readers would interrupt with it on each page load.
    <p class="warning" id="sole-super-admin">
      {props.superAdmins === 1
        ? 'Only one super administrator exists. If they lose their second factor, only the shell can help (recourse user reset-2fa): promote a second one.'
        : 'No active super administrator exists. Create one from the shell: recourse admin bootstrap --email …'}
    </p>
  );
}

export function AdminShell(props: AdminShellProps) {
  return (
    <Layout title={props.title} prefix={props.prefix} user={{ ...props.user, isAdmin: true }} csrfToken={props.csrfToken} wide>
      <AdminNav prefix={props.prefix} section={props.section} />
      <SoleSuperAdminWarning superAdmins={props.superAdmins} />
      {props.children}
    </Layout>
  );
}
