import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';

export type AdminMessagePageProps = Omit<AdminShellProps, 'section' | 'children'> & {
  section?: AdminShellProps['section'];
  message: string;
  link?: { href: string; label: string };
};

/** A refusal or confirmation inside the dashboard frame (forbidden, not found, step-up needed). */
export function AdminMessagePage(props: AdminMessagePageProps) {
  return (
    <AdminShell {...props} section={props.section ?? 'overview'}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      {props.link ? <p><a class="button" href={props.link.href}>{props.link.label}</a></p> : null}
    </AdminShell>
  );
}
