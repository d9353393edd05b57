/**
 * The recovery-request queue: the table `P/admin/requests/table` returns for htmx to swap in place,
 * and the filter form that asks for it (a plain GET of the page without JavaScript).
 */
import type { RequestQueueRow } from '../../../db/queries/admin.js';
import { DeliveryBadge, KIND_LABELS, ROLE_LABELS, StaleBadge, StatusBadge, TYPE_LABELS, When } from './labels.js';

export const REQUESTS_TABLE_ID = 'requests-table';

export interface RequestFilterValues {
  status: string;
  type: string;
}

/** What a row offers this administrator (the POST checks everything again). */
export interface RowActions {
  generate: boolean;
  cancel: boolean;
}

export interface RequestsTableProps {
  prefix: string;
  rows: readonly RequestQueueRow[];
  filter: RequestFilterValues;
  nextCursor: string | null;
  timeZone: string;
  nowMs: number;
  /** policy recovery.assistance.stale_after */
  staleAfterMs: number;
  /** Per reference: the actions offered on the row. */
  actions: Readonly<Record<string, RowActions>>;
  /** Per reference: the other open requests of the same account (grouped and linked). */
  otherOpen: Readonly<Record<string, readonly string[]>>;
}

function RowActionsCell(props: { prefix: string; reference: string; actions: RowActions | undefined }) {
  const { prefix, reference } = props;
  const confirm = (action: string) => `${prefix}/admin/requests/${reference}/confirm/${action}`;
  const cell = `actions-${reference}`;
  // htmx puts the confirmation step in this cell; without JavaScript the link opens it as a page.
  return (
    <td class="row-actions" id={cell}>
      {props.actions?.generate ? <a class="button" href={confirm('generate-code')} hx-get={confirm('generate-code')} hx-target={`#${cell}`} hx-swap="innerHTML">Generate code</a> : null}{' '}
      {props.actions?.cancel ? <a class="button secondary" href={confirm('cancel')} hx-get={confirm('cancel')} hx-target={`#${cell}`} hx-swap="innerHTML">Cancel</a> : null}
    </td>
  );
}

function query(filter: RequestFilterValues, cursor?: string): string {
  const params = new URLSearchParams({ status: filter.status, type: filter.type });
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

export function RequestFilters(props: { prefix: string; filter: RequestFilterValues }) {
  const { prefix, filter } = props;
  const statuses: Array<[string, string]> = [['pending', 'Pending'], ['approved', 'Approved'], ['cancelled', 'Cancelled'], ['completed', 'Completed'], ['all', 'All']];
  const types: Array<[string, string]> = [['all', 'All Types'], ['user', 'User'], ['employee', 'Employee'], ['customer', 'Customer']];
  return (
    <form method="get" action={`${prefix}/admin/requests`} class="filters" id="request-filters"
      hx-get={`${prefix}/admin/requests/table`} hx-target={`#${REQUESTS_TABLE_ID}`} hx-swap="outerHTML">
      <label>Status
        <select name="status">{statuses.map(([value, label]) => <option value={value} selected={filter.status === value}>{label}</option>)}</select>
      </label>
      <label>Type
        <select name="type">{types.map(([value, label]) => <option value={value} selected={filter.type === value}>{label}</option>)}</select>
      </label>
      <button type="submit">Refresh</button>
    </form>
  );
}

export function RequestsTable(props: RequestsTableProps) {
  const { prefix, filter } = props;
  return (
    <section id={REQUESTS_TABLE_ID}>
      {props.rows.length === 0 ? (
        <p class="aside">No requests match these filters.</p>
      ) : (
        <table>
          <thead>
            <tr><th>Type</th><th>Requester</th><th>Role</th><th>Requested</th><th>Status</th><th>Delivery</th><th>Actions</th></tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr data-reference={row.reference}>
                <td>{row.userType ? TYPE_LABELS[row.userType] : <span class="muted">—</span>}</td>
                <td>
                  <a href={`${prefix}/admin/requests/${row.reference}`}><strong>{row.name || row.email || row.submittedEmail}</strong></a>
                  <br />{row.email ?? <span class="muted">{row.submittedEmail} (no account)</span>}
                  <br /><span class="muted">{row.ip ?? 'unknown IP'} · {row.location ?? 'unknown'}</span>
                  <br /><span class="muted code">{row.reference}</span> <span class="muted">{KIND_LABELS[row.kind] ?? row.kind}</span>
                  {row.flags.length ? <> <span class="badge warn">flagged</span></> : null}
                  {props.otherOpen[row.reference]?.length ? (
                    <><br /><span class="muted" data-other-open={row.reference}>Also open for this account: {props.otherOpen[row.reference]!.map((other, i) => (
                      <>{i > 0 ? ', ' : ''}<a class="code" href={`${prefix}/admin/requests/${other}`}>{other}</a></>
                    ))}</span></>
                  ) : null}
                </td>
                <td>{row.role ? ROLE_LABELS[row.role] : <span class="muted">—</span>}</td>
                <td><When at={row.createdAt} timeZone={props.timeZone} /> <StaleBadge createdAt={row.createdAt} status={row.status} nowMs={props.nowMs} staleAfterMs={props.staleAfterMs} /></td>
                <td><StatusBadge status={row.status} /></td>
                <td><DeliveryBadge delivery={row.delivery} status={row.status} /></td>
                <RowActionsCell prefix={prefix} reference={row.reference} actions={props.actions[row.reference]} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.nextCursor ? (
        <p class="aside">
          <a href={`${prefix}/admin/requests?${query(filter, props.nextCursor)}`}
            hx-get={`${prefix}/admin/requests/table?${query(filter, props.nextCursor)}`} hx-target={`#${REQUESTS_TABLE_ID}`} hx-swap="outerHTML">Older requests →</a>
        </p>
      ) : null}
    </section>
  );
}
