/**
 * The admin backup-code statistics: the headline numbers and the list of users holding codes.
 * `BackupCodeHoldersTable` is also the htmx fragment `P/admin/backup-codes/table` swaps in.
 */
import { ScrollBox } from '../components/scroll-box.js';

export interface BackupCodeStatsNumbers {
  usersWithCodes: number;
  lowOnCodes: number;
  usedToday: number;
  usedThisMonth: number;
}

export interface BackupCodeHolderRow {
  userId: string;
  name: string;
  email: string;
  role: string;
  type: string;
  codesLeft: number;
  lastUsedAt: Date | null;
}

export interface BackupCodeHoldersTableProps {
  prefix: string;
  holders: readonly BackupCodeHolderRow[];
  page: number;
  hasMore: boolean;
  lowThreshold: number;
  timeZone: string;
}

export interface BackupCodeStatsProps extends BackupCodeHoldersTableProps {
  stats: BackupCodeStatsNumbers;
}

const TABLE_ID = 'backup-code-holders';

function formatWhen(at: Date | null, timeZone: string): string {
  if (!at) return 'never';
  return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

function pageHref(prefix: string, page: number): string {
  return page > 1 ? `${prefix}/admin/backup-codes?page=${page}` : `${prefix}/admin/backup-codes`;
}

function tableHref(prefix: string, page: number): string {
  return page > 1 ? `${prefix}/admin/backup-codes/table?page=${page}` : `${prefix}/admin/backup-codes/table`;
}

export function BackupCodeStatCards(props: { stats: BackupCodeStatsNumbers; lowThreshold: number }) {
  const { stats } = props;
  return (
    <section class="stats" aria-label="Backup code statistics">
      <div class="stat" data-stat="users_with_codes"><strong>{stats.usersWithCodes}</strong>users with codes</div>
      <div class="stat" data-stat="low_on_codes"><strong>{stats.lowOnCodes}</strong>low on codes (≤ {props.lowThreshold} left)</div>
      <div class="stat" data-stat="used_today"><strong>{stats.usedToday}</strong>codes used today</div>
      <div class="stat" data-stat="used_this_month"><strong>{stats.usedThisMonth}</strong>codes used this month</div>
    </section>
  );
}

export function BackupCodeHoldersTable(props: BackupCodeHoldersTableProps) {
  const { prefix, page } = props;
  return (
    <section id={TABLE_ID}>
      <div class="filters">
        <h2>Users with codes</h2>
        {/* Without JavaScript the link reloads the page; htmx swaps just this section in place. */}
        <a class="button secondary" href={pageHref(prefix, page)} hx-get={tableHref(prefix, page)} hx-target={`#${TABLE_ID}`} hx-swap="outerHTML">Refresh</a>
      </div>
      {props.holders.length === 0 ? (
        <p class="aside">{page > 1 ? 'No more users on this page.' : 'Nobody holds backup codes yet.'}</p>
      ) : (
        <ScrollBox label="Users with codes"><table>
          <thead>
            <tr><th>Name</th><th>Email</th><th>Role</th><th>Codes left</th><th>Last used</th></tr>
          </thead>
          <tbody>
            {props.holders.map((holder) => (
              <tr data-user={holder.userId}>
                <td>{holder.name || '—'}</td>
                <td>{holder.email}</td>
                <td>{holder.role} <span class="muted">({holder.type})</span></td>
                <td>
                  {holder.codesLeft}
                  {holder.codesLeft <= props.lowThreshold ? <> <span class="badge warn">low</span></> : null}
                </td>
                <td>{formatWhen(holder.lastUsedAt, props.timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table></ScrollBox>
      )}
      <p class="aside">
        {page > 1 ? <a href={pageHref(prefix, page - 1)}>← Previous</a> : null}
        {page > 1 && props.hasMore ? ' · ' : null}
        {props.hasMore ? <a href={pageHref(prefix, page + 1)}>Next →</a> : null}
      </p>
    </section>
  );
}

export function BackupCodeStats(props: BackupCodeStatsProps) {
  return (
    <>
      <BackupCodeStatCards stats={props.stats} lowThreshold={props.lowThreshold} />
      <p class="aside">“Today” and “this month” are counted in {props.timeZone}.</p>
      <BackupCodeHoldersTable {...props} />
    </>
  );
}
