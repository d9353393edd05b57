/**
 * The context stored with an assistance request (issue 6), as the administrator judges it: where the
 * request came from, whether that was seen before, the account's state then and now, and its recent
 * security events in sentences (issue 28). Where there is no location data a fact reads "unknown",
 * never "no". Everything here may be user-supplied or derived from it; JSX escapes it all (SECURITY A4).
 */
import { ScrollBox } from '../../components/scroll-box.js';
import type { RecentAuditEvent } from '../../../db/queries/assistance.js';
import { eventWords } from '../../../gateway/audit/event-words.js';
import { deviceName } from '../../../gateway/core/device-name.js';
import { formatWhen, When } from './labels.js';

type Json = Record<string, unknown>;

const yesNo = (value: unknown) => (value === true ? 'yes' : value === false ? 'no' : 'unknown');
const text = (value: unknown) => (value === null || value === undefined || value === '' ? 'unknown' : typeof value === 'object' ? JSON.stringify(value) : String(value));
const list = (value: unknown) => (Array.isArray(value) && value.length ? value.map(String).join(', ') : 'unknown');

function asObject(value: unknown): Json | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? value as Json : null;
}

function when(value: unknown, timeZone: string): string {
  if (typeof value !== 'string' && !(value instanceof Date)) return 'unknown';
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? String(value) : formatWhen(at, timeZone);
}

function Rows(props: { rows: Array<[string, string]> }) {
  return <>{props.rows.map(([label, value]) => <tr><th scope="row">{label}</th><td>{value}</td></tr>)}</>;
}

const SHOWN = new Set(['city', 'region', 'country', 'asn', 'org', 'networkPrefix', 'networkKey', 'anonymous', 'userAgent', 'ipSeenBefore',
  'networkSeenBefore', 'countrySeenBefore', 'account', 'lastSuccess', 'recentLocations', 'recentNetworks', 'recentFailures', 'findings', 'requestId']);

/** The account as it is now (admin/users facts), beside its state when the request arrived. */
export interface AccountNow {
  active: boolean;
  role: string;
  twoFactorEnabled: boolean;
  unusedBackupCodes: number;
  lastSignInAt: Date | null;
}

export function AccountStates(props: { context: Json; now: AccountNow | null; timeZone: string }) {
  const { timeZone } = props;
  const then = asObject(props.context.account);
  const last = asObject(props.context.lastSuccess);
  const now = props.now;
  const rows: Array<[string, string, string]> = [
    ['Active', then ? yesNo(then.active) : 'not recorded', now ? yesNo(now.active) : 'unknown'],
    ['Role', then ? text(then.role) : 'not recorded', now ? now.role : 'unknown'],
    ['Two-factor enabled', then ? yesNo(then.twoFactorEnabled) : 'not recorded', now ? yesNo(now.twoFactorEnabled) : 'unknown'],
    ['Unused backup codes', then ? text(then.unusedBackupCodes) : 'not recorded', now ? String(now.unusedBackupCodes) : 'unknown'],
    ['Last successful sign-in', then ? (last ? when(last.at, timeZone) : 'none recorded') : 'not recorded', now ? (now.lastSignInAt ? formatWhen(now.lastSignInAt, timeZone) : 'none recorded') : 'unknown'],
  ];
  return (
    <>
      <h2>The account, then and now</h2>
      <table class="facts" id="account-status">
        <thead><tr><th></th><th>When the request arrived</th><th>Now</th></tr></thead>
        <tbody>
          {rows.map(([label, before, current]) => (
            <tr data-fact={label}><th scope="row">{label}</th><td>{before}</td><td class={before !== current ? 'changed' : undefined}>{current}</td></tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function RequestContext(props: { context: Json; flags: readonly string[]; security: readonly string[]; recentEvents: readonly RecentAuditEvent[]; timeZone: string }) {
  const { context: ctx, timeZone } = props;
  const anonymous = asObject(ctx.anonymous);
  const findings = Array.isArray(ctx.findings) ? ctx.findings.map(String) : [];
  const others = Object.entries(ctx).filter(([key]) => !SHOWN.has(key));
  // Seen-before answers compare location data; without it (no geoip database) they are unknown.
  const seen = (value: unknown, known: unknown) => (known === null || known === undefined ? 'unknown' : yesNo(value));
  return (
    <>
      <h2>Flags</h2>
      {props.flags.length === 0 && findings.length === 0 ? <p class="aside">Nothing unusual was found.</p> : (
        <ul id="request-flags">
          {props.flags.map((flag) => <li><span class="badge warn">{flag}</span></li>)}
          {findings.map((finding) => <li>{finding}</li>)}
        </ul>
      )}
      <h2>Recent security events</h2>
      {props.security.length ? <ul id="security-events">{props.security.map((sentence) => <li>{sentence}</li>)}</ul>
        : <p class="aside">{ctx.account === null ? 'The email entered matched no account.' : 'Not recorded with this request.'}</p>}
      <h2>Request context</h2>
      <table class="facts" id="request-context">
        <tbody>
          <Rows rows={[
            ['City / region / country', [ctx.city, ctx.region, ctx.country].map(text).join(' / ')],
            ['Network', ctx.asn ? `AS${text(ctx.asn)} ${ctx.org ? text(ctx.org) : ''} (${text(ctx.networkPrefix)})` : 'unknown'],
            ['Anonymising network', anonymous ? Object.entries(anonymous).filter(([, v]) => v === true).map(([k]) => k).join(', ') || 'no' : 'not checked'],
            ['IP seen in a past sign-in', yesNo(ctx.ipSeenBefore)],
            ['Network seen before', seen(ctx.networkSeenBefore, ctx.asn)],
            ['Country seen before', seen(ctx.countrySeenBefore, ctx.country)],
            ['Recent sign-in locations', list(ctx.recentLocations)],
            ['Recent sign-in networks', list(ctx.recentNetworks)],
          ]} />
          <tr>
            <th scope="row">Browser</th>
            <td>
              {typeof ctx.userAgent === 'string' && ctx.userAgent
                ? <>{deviceName(ctx.userAgent)}<details><summary>As sent</summary><span class="code">{ctx.userAgent}</span></details></>
                : 'unknown'}
            </td>
          </tr>
          {others.map(([key, value]) => <tr><th scope="row">{key}</th><td>{text(value)}</td></tr>)}
        </tbody>
      </table>
      <h2>Recent events of the account</h2>
      {props.recentEvents.length === 0 ? <p class="aside">No events recorded.</p> : (
        <ScrollBox label="Recent events"><table id="recent-events">
          <thead><tr><th>When</th><th>Event</th><th>IP</th><th>Location</th></tr></thead>
          <tbody>
            {props.recentEvents.map((event) => (
              <tr data-event={event.event}><td><When at={event.at} timeZone={timeZone} /></td><td title={event.event}>{eventWords(event.event)}</td><td>{event.ip ?? 'unknown'}</td><td>{event.location ?? 'unknown'}</td></tr>
            ))}
          </tbody>
        </table></ScrollBox>
      )}
    </>
  );
}
