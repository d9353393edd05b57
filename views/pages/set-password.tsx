import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout } from '../layout.js';

export interface SetPasswordPageProps {
  prefix: string;
  csrfToken: string;
  token: string;
  email: string;
  title: string;
  error?: string | null;
}

/** Used by the one-time admin setup link and by password-reset access emails. */
export function SetPasswordPage(props: SetPasswordPageProps) {
  return (
    <Layout title={t(props.title)} prefix={props.prefix}>
      <h1>{t(props.title)}</h1>
      <p>{t('Choose a password for')} <strong>{props.email}</strong>. {t('At least 8 characters; a passphrase is best.')}</p>
      <ErrorNote message={props.error} />
      <form method="post" action={`${props.prefix}/password/reset`} class="card">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <input type="hidden" name="username" value={props.email} autocomplete="username" />
        <label for="password">{t('New password')}</label>
        <input id="password" name="password" type="password" autocomplete="new-password" minlength={8} required autofocus {...invalidWhen(props.error)} />
        <button type="submit">{t('Set password')}</button>
      </form>
    </Layout>
  );
}
