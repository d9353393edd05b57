/**
 * `P/2fa/recovery-code`: sign in with the single-use code an administrator sent (SECURITY R1, R3).
 * Without a session it also takes the email, and the code then resets a forgotten password too
 * (issue 28 item 6).
 */
import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout } from '../layout.js';

export interface RecoveryCodePageProps {
  prefix: string;
  csrfToken: string;
  rd: string;
  /** Signed in with the password; null when the holder starts from this page. */
  user: { email: string; name: string; isAdmin?: boolean } | null;
  /** Without a session: the email typed so far. */
  email?: string;
  error?: string | null;
}

export function RecoveryCodePage(props: RecoveryCodePageProps) {
  const { prefix } = props;
  const withoutPassword = props.user === null;
  return (
    <Layout title={t('Use a recovery code')} prefix={prefix} user={props.user} csrfToken={props.csrfToken}>
      <h1>{t('Use a recovery code')}</h1>
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/2fa/recovery-code`} class="card" id="recovery-code">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="rd" value={props.rd} />
        {withoutPassword ? <>
          <label for="email">{t('Your email address')}</label>
          <input id="email" name="email" type="email" required autocomplete="username" value={props.email ?? ''} maxlength={254} {...invalidWhen(props.error)} />
        </> : null}
        <label for="code">{t('Recovery code from your administrator')}</label>
        <input
          id="code" name="code" type="text" class="code" required autofocus={!withoutPassword}
          autocomplete="one-time-code" autocapitalize="characters" spellcheck={false}
          maxlength={80} placeholder="XXXX-XXXX-XXXX" {...invalidWhen(props.error)}
        />
        {withoutPassword ? (
          <fieldset id="lost">
            <legend>{t('What do you need?')}</legend>
            <label><input type="radio" name="lost" value="password" checked /> {t('A new password (I still have my authenticator app or security key)')}</label>
            <label><input type="radio" name="lost" value="both" /> {t('A new password and a new second factor (I lost both)')}</label>
          </fieldset>
        ) : null}
        <p class="aside">{t('The code works once and for a limited time. Dashes, spaces and upper or lower case do not matter.')} {withoutPassword
          ? t('You then choose a new password; if you lost your second factor too, you set up a new one first.')
          : t('You will set up a new second factor right after.')}</p>
        <button type="submit">{withoutPassword ? t('Continue') : t('Sign in')}</button>
      </form>
      {withoutPassword
        ? <p class="aside">{t('Know your password?')} <a href={`${prefix}/login`}>{t('Sign in')}</a> {t('and use the code on the second-factor page.')}</p>
        : <p class="aside"><a href={`${prefix}/2fa?rd=${encodeURIComponent(props.rd)}`}>{t('Use another way to sign in')}</a></p>}
    </Layout>
  );
}
