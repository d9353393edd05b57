import { ScrollBox } from '../../components/scroll-box.js';
import type { AuditListRow } from '../../../db/queries/admin-audit.js';
import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { BackupCodeStatCards, type BackupCodeStatsNumbers } from '../../partials/backup-code-stats.js';
import { When } from '../../partials/admin/labels.js';
import { eventWords } from '../../../gateway/audit/event-words.js';
import { actorText } from './audit.js';
import { DailyChart } from '../../partials/admin/daily-chart.js';
import type { DayPoint } from '../../../gateway/admin/daily-series.js';

export interface PolicyState {
  version: string;
  loadedAt: Date;
  files: readonly string[];
  lastError: readonly string[] | null;
}

export type OverviewPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & {
  /** null: this administrator may not see requests (data-protection level). */
  pendingRequests: number | null;
  recentActivity: readonly AuditListRow[] | null;
  stats: BackupCodeStatsNumbers;
  lowThreshold: number;
  policy: PolicyState;
  timeZone: string;
  /** Requests (when the administrator may see them) and lockouts per day, the last 30 days. */
  daily: readonly DayPoint[];
};

/** `P/admin`: what needs attention now. */
export function OverviewPage(props: OverviewPageProps) {
  const { prefix, policy } = props;
  return (
    <AdminShell {...props} title="Dashboard" section="overview">
      <h1>Dashboard</h1>
      <section class="stats" aria-label="Recovery requests">
        <div class="stat" data-stat="pending_requests">
          {props.pendingRequests === null
            ? <><strong>—</strong>pending requests (needs the data-protection permission)</>
            : <><strong>{props.pendingRequests}</strong><a href={`${prefix}/admin/requests?status=pending&type=all`}>pending requests</a></>}
        </div>
      </section>
      <h2>Requests and lockouts per day</h2>
      <DailyChart points={props.daily} showRequests={props.pendingRequests !== null} />
      <h2>Backup codes</h2>
      <BackupCodeStatCards stats={props.stats} lowThreshold={props.lowThreshold} />
      <p class="aside"><a href={`${prefix}/admin/backup-codes`}>Backup-code holders →</a></p>
      <h2>Policy</h2>
      <div class="card" id="policy-state">
        <p>Version <span class="code">{policy.version.slice(0, 12)}</span>, loaded <When at={policy.loadedAt} timeZone={props.timeZone} /> from {policy.files.length} file{policy.files.length === 1 ? '' : 's'}.</p>
        {policy.lastError ? (
          <div class="error" role="alert">
            <p>The last change was refused; the policy above stays in force:</p>
            <ul>{policy.lastError.map((line) => <li class="code">{line}</li>)}</ul>
          </div>
        ) : <p class="notice">The policy files on disk are in force.</p>}
        <p class="aside"><a href={`${prefix}/admin/policies`}>Policies →</a></p>
      </div>
      <h2>Recent recovery activity</h2>
      {props.recentActivity === null ? <p class="aside">Needs the data-protection permission.</p>
        : props.recentActivity.length === 0 ? <p class="aside">Nothing yet.</p> : (
          <ScrollBox label="Recent activity"><table id="recent-activity">
            <thead><tr><th>When</th><th>Event</th><th>Actor</th><th>User</th><th>Reason</th></tr></thead>
            <tbody>
              {props.recentActivity.map((row) => (
                <tr>
                  <td><When at={row.at} timeZone={props.timeZone} /></td>
                  <td title={row.event} data-event={row.event}>{eventWords(row.event)}</td>
                  <td>{actorText(row)}</td>
                  <td>{row.userId ? row.userEmail ?? row.userId : '—'}</td>
                  <td>{row.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table></ScrollBox>
        )}
      {props.recentActivity ? <p class="aside"><a href={`${prefix}/admin/audit`}>Full audit log →</a></p> : null}
    </AdminShell>
  );
}
