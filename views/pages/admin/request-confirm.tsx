import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { QueueConfirm, type QueueConfirmProps } from '../../partials/admin/queue-confirm.js';

export type RequestConfirmPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & Omit<QueueConfirmProps, 'prefix' | 'csrfToken'> & {
  requester: string;
};

/** A queue row's confirmation step without JavaScript: the same form htmx puts in the row. */
export function RequestConfirmPage(props: RequestConfirmPageProps) {
  const title = props.action === 'generate-code' ? 'Generate a recovery code' : 'Cancel the request';
  return (
    <AdminShell {...props} title={`${title} · ${props.reference}`} section="requests">
      <p class="aside"><a href={`${props.prefix}/admin/requests`}>← All requests</a></p>
      <h1>{title}</h1>
      <p>Request <a class="code" href={`${props.prefix}/admin/requests/${props.reference}`}>{props.reference}</a> from {props.requester}</p>
      <section class="card"><QueueConfirm {...props} /></section>
    </AdminShell>
  );
}
