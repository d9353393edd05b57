import { BackupCodesPanel } from '../components/backup-codes-panel.js';
import { WebauthnKeyList } from '../components/webauthn.js';
import type { Child } from 'hono/jsx';
import { formatWhen, t } from '../i18n.js';
import { CsrfField, Layout, NoticeNote } from '../layout.js';

export interface SecurityKeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface AccountSessionView {
  current: boolean;
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
  restricted: boolean;
  notice?: string | null;
  /** Shown at the end of the page (the open re-enrolment obligations). */
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
      {props.restricted ? (
        <p class="warning">{t('You signed in with a recovery code.')} <a href={`${prefix}/enroll`}>{t('Set up a new second factor to finish signing in.')}</a></p>
      ) : null}
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
        {props.webauthn.enabled ? <WebauthnKeyList prefix={prefix} csrfToken={props.csrfToken} keys={props.webauthn.keys} timeZone={props.timeZone} /> : null}
      </section>
      {props.backupCodesLeft === null || props.restricted ? null : (
        <BackupCodesPanel prefix={prefix} csrfToken={props.csrfToken} codesLeft={props.backupCodesLeft} lowThreshold={props.lowThreshold} />
      )}

      <h2>{t("Where you're signed in")}</h2>
      <section class="card">
        <ul id="sessions">
          {props.sessions.map((s) => (
            <li class={s.current ? 'current' : undefined}>
              <strong>{s.userAgent ?? t('Unknown browser')}</strong> {s.current ? <span class="badge ok">{t('This browser')}</span> : null}
              <br />
              <span class="muted">IP <span class="code">{s.ip ?? t('unknown')}</span> · {t('signed in {{when}}', { when: at(s.createdAt) })} · {t('last seen {{when}}', { when: at(s.lastSeenAt) })}</span>
            </li>
          ))}
        </ul>
      </section>
      <form method="post" action={`${prefix}/account/sessions/revoke-all`} class="card">
        <CsrfField token={props.csrfToken} />
        <p class="aside">{t("Lost a device or signed in somewhere you shouldn't have? This signs out every browser, this one included.")}</p>
        <button type="submit" class="danger">{t('Sign out everywhere')}</button>
      </form>
      {props.children}
    </Layout>
  );
}
