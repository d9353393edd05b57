import { ScrollBox } from '../../components/scroll-box.js';
import type { AuditListRow } from '../../../db/queries/admin-audit.js';
import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { ErrorNote } from '../../layout.js';
import { When } from '../../partials/admin/labels.js';
import { eventWords } from '../../../gateway/audit/event-words.js';

export interface AuditFilterValues {
  event: string;
  user: string;
  actor: string;
  since: string;
  until: string;
}

export type AuditPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & {
  rows: readonly AuditListRow[];
  events: readonly string[];
  filter: AuditFilterValues;
  nextCursor: string | null;
  timeZone: string;
  error?: string | null;
};

/** Who acted: a user (by email when known), `cli`, `system`, or nobody signed in. */
export function actorText(row: Pick<AuditListRow, 'actorId' | 'actorEmail' | 'actorLabel'>): string {
  if (row.actorId) return row.actorEmail ?? row.actorId;
  return row.actorLabel ?? 'anonymous';
}

const MAX_DETAIL_VALUE = 160;

/** `key: value` lines, long values shortened: readable, and wraps where raw JSON would not. */
function DetailLines(props: { details: Record<string, unknown> }) {
  return (
    <>
      {Object.entries(props.details).map(([key, value], i) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return <>{i > 0 ? <br /> : null}{key}: {text.length > MAX_DETAIL_VALUE ? `${text.slice(0, MAX_DETAIL_VALUE)}…` : text}</>;
      })}
    </>
  );
}

function filterQuery(filter: AuditFilterValues, cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

/** `P/admin/audit`: the hash-chained audit log, newest first, with filters and CSV export. */
export function AuditPage(props: AuditPageProps) {
  const { prefix, filter } = props;
  const exportQuery = filterQuery(filter);
  return (
    <AdminShell {...props} title="Audit log" section="audit">
      <h1>Audit log</h1>
      <ErrorNote message={props.error} />
      <form method="get" action={`${prefix}/admin/audit`} class="filters" id="audit-filters">
        <label>Event
          <select name="event">
            <option value="">All events</option>
            {props.events.map((event) => <option value={event} selected={filter.event === event}>{eventWords(event)}</option>)}
          </select>
        </label>
        <label>User<input name="user" value={filter.user} placeholder="id or email" maxlength={320} /></label>
        <label>Actor<input name="actor" value={filter.actor} placeholder="id, email, cli or system" maxlength={320} /></label>
        <label>From (UTC)<input type="datetime-local" name="since" value={filter.since} /></label>
        <label>Until (UTC)<input type="datetime-local" name="until" value={filter.until} /></label>
        <button type="submit">Filter</button>
        <a class="button secondary" href={`${prefix}/admin/audit.csv${exportQuery ? `?${exportQuery}` : ''}`} download>Export CSV</a>
      </form>
      {props.rows.length === 0 ? <p class="aside">No audit rows match.</p> : (
        <ScrollBox label="Audit log"><table id="audit-table">
          <thead><tr><th>#</th><th>When</th><th>Event</th><th>Actor</th><th>User</th><th>IP / location</th><th>Reason</th><th>Details</th></tr></thead>
          <tbody>
            {props.rows.map((row) => (
              <tr data-event={row.event}>
                <td>{row.id}</td>
                <td><When at={row.at} timeZone={props.timeZone} /></td>
                <td title={row.event}>{eventWords(row.event)}</td>
                <td>{actorText(row)}</td>
                <td>{row.userId ? row.userEmail ?? row.userId : '—'}</td>
                <td>{row.ip ?? '—'}{row.location ? <><br /><span class="muted">{row.location}</span></> : null}</td>
                <td>{row.reason ?? ''}</td>
                <td class="muted"><DetailLines details={row.details} /></td>
              </tr>
            ))}
          </tbody>
        </table></ScrollBox>
      )}
      {props.nextCursor ? <p class="aside"><a href={`${prefix}/admin/audit?${filterQuery(filter, props.nextCursor)}`}>Older entries →</a></p> : null}
    </AdminShell>
  );
}
