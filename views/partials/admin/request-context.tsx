/**
 * The context stored with an assistance request (issue 6), as the administrator judges it: where the
 * request came from, whether that was seen before, the account's state and its recent events.
 * Everything here may be user-supplied or derived from it; JSX escapes it all (SECURITY A4).
 */
import type { RecentAuditEvent } from '../../../db/queries/assistance.js';
import { formatWhen, When } from './labels.js';

type Json = Record<string, unknown>;

const yesNo = (value: unknown) => (value === true ? 'yes' : value === false ? 'no' : '—');
const text = (value: unknown) => (value === null || value === undefined || value === '' ? '—' : typeof value === 'object' ? JSON.stringify(value) : String(value));
const list = (value: unknown) => (Array.isArray(value) && value.length ? value.map(String).join(', ') : '—');

function asObject(value: unknown): Json | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? value as Json : null;
}

function when(value: unknown, timeZone: string): string {
  if (typeof value !== 'string' && !(value instanceof Date)) return '—';
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? String(value) : formatWhen(at, timeZone);
}

function Rows(props: { rows: Array<[string, string]> }) {
  return <>{props.rows.map(([label, value]) => <tr><th scope="row">{label}</th><td>{value}</td></tr>)}</>;
}

const SHOWN = new Set(['city', 'region', 'country', 'asn', 'org', 'networkPrefix', 'networkKey', 'anonymous', 'userAgent', 'ipSeenBefore',
  'networkSeenBefore', 'countrySeenBefore', 'account', 'lastSuccess', 'recentLocations', 'recentNetworks', 'recentFailures', 'findings']);

export function RequestContext(props: { context: Json; flags: readonly string[]; recentEvents: readonly RecentAuditEvent[]; timeZone: string }) {
  const { context: ctx, timeZone } = props;
  const account = asObject(ctx.account);
  const last = asObject(ctx.lastSuccess);
  const anonymous = asObject(ctx.anonymous);
  const findings = Array.isArray(ctx.findings) ? ctx.findings.map(String) : [];
  const others = Object.entries(ctx).filter(([key]) => !SHOWN.has(key));
  return (
    <>
      <h2>Flags</h2>
      {props.flags.length === 0 && findings.length === 0 ? <p class="aside">Nothing unusual was found.</p> : (
        <ul id="request-flags">
          {props.flags.map((flag) => <li><span class="badge warn">{flag}</span></li>)}
          {findings.map((finding) => <li>{finding}</li>)}
        </ul>
      )}
      <h2>Request context</h2>
      <table class="facts" id="request-context">
        <tbody>
          <Rows rows={[
            ['City / region / country', [ctx.city, ctx.region, ctx.country].map(text).join(' / ')],
            ['Network', `${ctx.asn ? `AS${text(ctx.asn)} ` : ''}${text(ctx.org)} (${text(ctx.networkPrefix)})`],
            ['Anonymising network', anonymous ? Object.entries(anonymous).filter(([, v]) => v === true).map(([k]) => k).join(', ') || 'no' : 'not checked'],
            ['Browser', text(ctx.userAgent)],
            ['IP seen in a past sign-in', yesNo(ctx.ipSeenBefore)],
            ['Network seen before', yesNo(ctx.networkSeenBefore)],
            ['Country seen before', yesNo(ctx.countrySeenBefore)],
          ]} />
          {others.map(([key, value]) => <tr><th scope="row">{key}</th><td>{text(value)}</td></tr>)}
        </tbody>
      </table>
      <h2>Account status when the request arrived</h2>
      {account ? (
        <table class="facts" id="account-status">
          <tbody>
            <Rows rows={[
              ['Active', yesNo(account.active)],
              ['Role', text(account.role)],
              ['Two-factor enabled', yesNo(account.twoFactorEnabled)],
              ['Unused backup codes', text(account.unusedBackupCodes)],
              ['Last successful sign-in', last ? `${when(last.at, timeZone)} from ${text(last.ip)} (${text(last.location)}, ${text(last.network)}) by ${text(last.method)}` : 'none recorded'],
              ['Recent sign-in locations', list(ctx.recentLocations)],
              ['Recent sign-in networks', list(ctx.recentNetworks)],
              ['Recent failed sign-ins', text(ctx.recentFailures)],
            ]} />
          </tbody>
        </table>
      ) : <p class="aside">{ctx.account === null ? 'The email entered matched no account.' : 'Not recorded with this request.'}</p>}
      <h2>Recent events of the account</h2>
      {props.recentEvents.length === 0 ? <p class="aside">No events recorded.</p> : (
        <table id="recent-events">
          <thead><tr><th>When</th><th>Event</th><th>IP</th><th>Location</th></tr></thead>
          <tbody>
            {props.recentEvents.map((event) => (
              <tr><td><When at={event.at} timeZone={timeZone} /></td><td class="code">{event.event}</td><td>{event.ip ?? '—'}</td><td>{event.location ?? '—'}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
