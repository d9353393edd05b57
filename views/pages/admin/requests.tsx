import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { NoticeNote } from '../../layout.js';
import { RequestFilters, RequestsTable, type RequestsTableProps } from '../../partials/admin/requests-table.js';

export type RequestsPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & RequestsTableProps & { notice?: string | null };

/** `P/admin/requests`: the recovery-request queue with its filters. */
export function RequestsPage(props: RequestsPageProps) {
  return (
    <AdminShell {...props} title="Recovery requests" section="requests">
      <h1>Recovery requests</h1>
      <NoticeNote message={props.notice} />
      <RequestFilters prefix={props.prefix} filter={props.filter} />
      <RequestsTable {...props} />
    </AdminShell>
  );
}
