import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout } from '../layout.js';

export interface PasswordForgotPageProps {
  prefix: string;
  csrfToken: string;
  email?: string;
  error?: string | null;
}

/** `GET P/password/forgot`: the address to mail a reset link to; also shown again with an error. */
export function PasswordForgotPage(props: PasswordForgotPageProps) {
  const { prefix } = props;
  return (
    <Layout title={t('Forgot your password?')} prefix={prefix}>
      <h1>{t('Forgot your password?')}</h1>
      <p>{t('Enter the email address of your account. We will send you a link to choose a new password.')}</p>
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/password/forgot`} class="card">
        <CsrfField token={props.csrfToken} />
        <label for="email">{t('Email address of your account')}</label>
        <input id="email" name="email" type="email" autocomplete="username" required maxlength={254} value={props.email ?? ''} autofocus {...invalidWhen(props.error)} />
        <button type="submit">{t('Send me a link')}</button>
      </form>
      <p class="aside"><a href={`${prefix}/login`}>{t('Back to sign in')}</a> · <a href={`${prefix}/assist`}>{t('Lost your second factor too? Ask for help')}</a></p>
    </Layout>
  );
}

/**
 * The answer to every accepted request, whether or not an account has the address (the same
 * bytes but for the CSRF token): nothing here may depend on the account.
 */
export function PasswordLinkSentPage(props: { prefix: string; ttl: string }) {
  return (
    <Layout title={t('Check your email')} prefix={props.prefix}>
      <h1>{t('Check your email')}</h1>
      <p>{t('If an account uses the address you entered, we have sent it a link to choose a new password. It usually arrives within a few minutes and works once, for {{ttl}}.', { ttl: props.ttl })}</p>
      <p>{t('You will still be asked for your second factor when you sign in with the new password.')}</p>
      <p class="aside">{t('Nothing arrived? Check your spam folder.')} <a href={`${props.prefix}/assist`}>{t('Ask for help')}</a></p>
      <p class="aside"><a href={`${props.prefix}/login`}>{t('Back to sign in')}</a></p>
    </Layout>
  );
}
