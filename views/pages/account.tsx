import { BackupCodesPanel } from '../components/backup-codes-panel.js';
import { WebauthnKeyList } from '../components/webauthn.js';
import type { Child } from 'hono/jsx';
import { formatWhen, t } from '../i18n.js';
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
  // In the viewer's language and zone (views/i18n.ts); `timeZone` is the zone before the browser named its own.
  const at = (date: Date) => formatWhen(date);
  return (
    <Layout title={t('Your account')} prefix={prefix} user={user} csrfToken={props.csrfToken}>
      <h1>{t('Your account')}</h1>
      <NoticeNote message={props.notice} />
      <ErrorNote message={props.error} />
      {props.restricted ? (
        <p class="warning" id="required-task">{t('You signed in with a recovery code.')} <a href={`${prefix}/enroll`}>{t('Set up a new second factor to finish signing in.')}</a></p>
      ) : null}
      {props.children}
      <section class="card" id="profile">
        <p><strong>{user.name || user.email}</strong></p>
        <p class="muted">{user.email}</p>
      </section>

      <h2>{t('Second factors')}</h2>
      <section class="card" id="factors">
        {totp.enabled ? (
          <p>
            {t('Authenticator app:')}{' '}
            {totp.confirmedAt ? <span class="badge ok">{t('On since {{when}}', { when: at(totp.confirmedAt) })}</span> : <span class="badge warn">{t('Not set up')}</span>}
            <br />
            <a href={`${prefix}/enroll`}>{totp.confirmedAt ? t('Replace authenticator app') : t('Set up authenticator app')}</a>
          </p>
        ) : null}
        {totp.confirmedAt && !props.restricted ? (
          <form method="post" action={`${prefix}/account/totp/remove`}>
            <CsrfField token={props.csrfToken} />
            <button type="submit" class="secondary">{t('Remove authenticator app')}</button>
            <span class="aside"> {t('Asks for your second factor again if you last gave it more than 10 minutes ago.')}</span>
          </form>
        ) : null}
        {props.webauthn.enabled ? <WebauthnKeyList prefix={prefix} csrfToken={props.csrfToken} keys={props.webauthn.keys} timeZone={props.timeZone} /> : null}
      </section>
      {props.backupCodesLeft === null || props.restricted ? null : (
        <BackupCodesPanel prefix={prefix} csrfToken={props.csrfToken} codesLeft={props.backupCodesLeft} lowThreshold={props.lowThreshold} />
      )}

      {props.passwordHere && !props.restricted ? (
        <>
          <h2 id="password">{t('Password')}</h2>
          <form method="post" action={`${prefix}/account/password`} class="card">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="username" value={user.email} autocomplete="username" />
            <label for="current_password">{t('Current password')}</label>
            <input id="current_password" name="current_password" type="password" autocomplete="current-password" required />
            <label for="new_password">{t('New password')}</label>
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength={8} required />
            <p class="aside">{t('At least 8 characters; a passphrase is best. Every other browser is signed out.')}</p>
            <button type="submit">{t('Change password')}</button>
          </form>
        </>
      ) : null}

      <h2>{t("Where you're signed in")}</h2>
      <section class="card">
        <ul id="sessions">
          {props.sessions.map((s) => (
            <li class={s.current ? 'current' : undefined}>
              <strong>{s.device}</strong> {s.current ? <span class="badge ok">{t('This browser')}</span> : null}
              <br />
              <span class="muted">IP <span class="code">{s.ip ?? t('unknown')}</span> · {t('signed in {{when}}', { when: at(s.createdAt) })} · {t('last seen {{when}}', { when: at(s.lastSeenAt) })}</span>
              {s.userAgent ? <details><summary>{t('Browser details')}</summary><p class="code">{s.userAgent}</p></details> : null}
              <form method="post" action={`${prefix}/account/sessions/${s.handle}/revoke`}>
                <CsrfField token={props.csrfToken} />
                <button type="submit" class="secondary">{s.current ? t('Sign out here') : t('Sign out this browser')}</button>
              </form>
            </li>
          ))}
        </ul>
        {props.unfinished.length ? (
          <div id="unfinished-sign-ins">
            <p class="warning">
              {t('Your password was used here but the second factor was never given. If that was not you, change your password.')}
            </p>
            <ul>{props.unfinished.map((u) => <li>{u.device} · IP <span class="code">{u.ip ?? t('unknown')}</span> · {at(u.at)}</li>)}</ul>
          </div>
        ) : null}
      </section>
      <form method="post" action={`${prefix}/account/sessions/revoke-all`} class="card">
        <CsrfField token={props.csrfToken} />
        <p class="aside">{t("Lost a device or signed in somewhere you shouldn't have? This signs out every browser, this one included.")}</p>
        <button type="submit" class="danger">{t('Sign out everywhere')}</button>
      </form>
    </Layout>
  );
}
