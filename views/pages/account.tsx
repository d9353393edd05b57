import { BackupCodesPanel } from '../components/backup-codes-panel.js';
import { WebauthnKeyList } from '../components/webauthn.js';
import type { Child } from 'hono/jsx';
import { CsrfField, ErrorNote, Layout, NoticeNote } from '../layout.js';

export interface SecurityKeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface AccountSessionView {
  /** Names the session in the form that ends it (never its id or id hash). */
  handle: string;
  current: boolean;
  /** "Chrome 131 on Windows"; the raw User-Agent string is shown on demand. */
  device: string;
  createdAt: Date;
  lastSeenAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface AccountPageProps {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string; isAdmin?: boolean };
  /** IANA zone the times are shown in (`server.time_zone`). */
  timeZone: string;
  totp: { enabled: boolean; confirmedAt: Date | null };
  webauthn: { enabled: boolean; keys: SecurityKeyView[] };
  /** Null when backup codes are not offered to this user. */
  backupCodesLeft: number | null;
  /** `factors.backup_codes.low_threshold`. */
  lowThreshold: number;
  sessions: AccountSessionView[];
  /** Sign-ins that stopped at the password: not sessions, but someone knew the password. */
  unfinished: Array<{ device: string; ip: string | null; at: Date }>;
  restricted: boolean;
  notice?: string | null;
  error?: string | null;
  /** The password can be changed here (not one the directory alone keeps). */
  passwordHere: boolean;
  /** Shown at the top of the page (the open re-enrolment obligations: what must be done first). */
  children?: Child;
}

export function AccountPage(props: AccountPageProps) {
  const { prefix, user, totp } = props;
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: props.timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const at = (date: Date) => `${when.format(date)} (${props.timeZone})`;
  return (
    <Layout title="Your account" prefix={prefix} user={user} csrfToken={props.csrfToken}>
      <h1>Your account</h1>
      <NoticeNote message={props.notice} />
      <ErrorNote message={props.error} />
      {props.restricted ? (
        <p class="warning" id="required-task">You signed in with a recovery code. <a href={`${prefix}/enroll`}>Set up a new second factor</a> to finish signing in.</p>
      ) : null}
      {props.children}
      <section class="card" id="profile">
        <p><strong>{user.name || user.email}</strong></p>
        <p class="muted">{user.email}</p>
      </section>

      <h2>Second factors</h2>
      <section class="card" id="factors">
        {totp.enabled ? (
          <p>
            Authenticator app:{' '}
            {totp.confirmedAt ? <span class="badge ok">On since {at(totp.confirmedAt)}</span> : <span class="badge warn">Not set up</span>}
            <br />
            <a href={`${prefix}/enroll`}>{totp.confirmedAt ? 'Replace authenticator app' : 'Set up authenticator app'}</a>
          </p>
        ) : null}
        {totp.confirmedAt && !props.restricted ? (
          <form method="post" action={`${prefix}/account/totp/remove`}>
            <CsrfField token={props.csrfToken} />
            <button type="submit" class="secondary">Remove authenticator app</button>
            <span class="aside"> Asks for your second factor again if you last gave it more than 10 minutes ago.</span>
          </form>
        ) : null}
        {props.webauthn.enabled ? <WebauthnKeyList prefix={prefix} csrfToken={props.csrfToken} keys={props.webauthn.keys} timeZone={props.timeZone} /> : null}
      </section>
      {props.backupCodesLeft === null || props.restricted ? null : (
        <BackupCodesPanel prefix={prefix} csrfToken={props.csrfToken} codesLeft={props.backupCodesLeft} lowThreshold={props.lowThreshold} />
      )}

      {props.passwordHere && !props.restricted ? (
        <>
          <h2 id="password">Password</h2>
          <form method="post" action={`${prefix}/account/password`} class="card">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="username" value={user.email} autocomplete="username" />
            <label for="current_password">Current password</label>
            <input id="current_password" name="current_password" type="password" autocomplete="current-password" required />
            <label for="new_password">New password</label>
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength={8} required />
            <p class="aside">At least 8 characters; a passphrase is best. Every other browser is signed out.</p>
            <button type="submit">Change password</button>
          </form>
        </>
      ) : null}

      <h2>Where you're signed in</h2>
      <section class="card">
        <ul id="sessions">
          {props.sessions.map((s) => (
            <li class={s.current ? 'current' : undefined}>
              <strong>{s.device}</strong> {s.current ? <span class="badge ok">This browser</span> : null}
              <br />
              <span class="muted">IP <span class="code">{s.ip ?? 'unknown'}</span> · signed in {at(s.createdAt)} · last seen {at(s.lastSeenAt)}</span>
              {s.userAgent ? <details><summary>Browser details</summary><p class="code">{s.userAgent}</p></details> : null}
              <form method="post" action={`${prefix}/account/sessions/${s.handle}/revoke`}>
                <CsrfField token={props.csrfToken} />
                <button type="submit" class="secondary">{s.current ? 'Sign out here' : 'Sign out this browser'}</button>
              </form>
            </li>
          ))}
        </ul>
        {props.unfinished.length ? (
          <div id="unfinished-sign-ins">
            <p class="warning">
              Your password was used here but the second factor was never given. If that was not you,
              change your password.
            </p>
            <ul>{props.unfinished.map((u) => <li>{u.device} · IP <span class="code">{u.ip ?? 'unknown'}</span> · {at(u.at)}</li>)}</ul>
          </div>
        ) : null}
      </section>
      <form method="post" action={`${prefix}/account/sessions/revoke-all`} class="card">
        <CsrfField token={props.csrfToken} />
        <p class="aside">Lost a device or signed in somewhere you shouldn't have? This signs out every browser, this one included.</p>
        <button type="submit" class="danger">Sign out everywhere</button>
      </form>
    </Layout>
  );
}
