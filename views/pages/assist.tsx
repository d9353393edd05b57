import { translatable } from '../../gateway/i18n/i18n.js';
import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout } from '../layout.js';

/** In English (the dashboard shows them so); the help form shows each in the viewer's language. */
export const ASSISTANCE_TYPE_LABELS: Readonly<Record<string, string>> = {
  lost_2fa: translatable('I lost my second factor (phone, authenticator app or security key)'),
  forgot_password: translatable('I forgot my password'),
  locked_out: translatable('My account is locked'),
  other: translatable('Something else'),
};

export const MESSAGE_MAX_LENGTH = 2000;

export interface AssistPageProps {
  prefix: string;
  csrfToken: string;
  /** The request types the policy offers, in its order. */
  types: readonly string[];
  values?: { email?: string; type?: string; message?: string };
  error?: string | null;
  /** The field the error is about (marked aria-invalid and described by the error). */
  errorField?: 'email' | 'type' | 'message';
}

/** `GET P/assist`: the "I can't sign in" form; also shown again with an error. */
export function AssistPage(props: AssistPageProps) {
  const { prefix, values = {} } = props;
  return (
    <Layout title={t('Ask for help')} prefix={prefix}>
      <h1>{t('Ask for help signing in')}</h1>
      <p>
        {t('Tell us which account you cannot get into. An administrator will look at your request and contact you to confirm who you are before anything changes.')}
      </p>
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/assist`} class="card">
        <CsrfField token={props.csrfToken} />
        <label for="email">{t('Email address of your account')}</label>
        <input id="email" name="email" type="email" autocomplete="username" required maxlength={254} value={values.email ?? ''} {...invalidWhen(props.errorField === 'email' && props.error)} />
        <label for="type">{t('What happened?')}</label>
        <select id="type" name="type" required {...invalidWhen(props.errorField === 'type' && props.error)}>
          {props.types.map((type) => (
            <option value={type} selected={values.type === type}>{ASSISTANCE_TYPE_LABELS[type] ? t(ASSISTANCE_TYPE_LABELS[type]) : type}</option>
          ))}
        </select>
        <label for="message">{t('Anything an administrator should know')} <span class="muted">{t('(optional)')}</span></label>
        <textarea id="message" name="message" rows={5} maxlength={MESSAGE_MAX_LENGTH} {...invalidWhen(props.errorField === 'message' && props.error)}>{values.message ?? ''}</textarea>
        <p class="aside">{t('Do not include passwords or codes. An administrator will never ask you for them.')}</p>
        <button type="submit">{t('Send request')}</button>
      </form>
      <p class="aside"><a href={`${prefix}/login`}>{t('Back to sign in')}</a></p>
    </Layout>
  );
}

/**
 * The answer to every accepted submission, whether or not the email matches an account
 * (SECURITY A1): only the reference differs, so nothing here may depend on the account.
 */
export function AssistReceivedPage(props: { prefix: string; reference: string; usualResponse: string }) {
  return (
    <Layout title={t('Request received')} prefix={props.prefix}>
      <h1>{t('Request received')}</h1>
      <div class="card">
        <p>{t('Your reference:')}</p>
        <p class="code"><strong>{props.reference}</strong></p>
        <p class="aside">{t('Keep it: an administrator may ask you for it.')}</p>
      </div>
      <h2>{t('What happens next')}</h2>
      <ol>
        <li>{t('An administrator reads your request, usually within {{wait}}.', { wait: props.usualResponse })}</li>
        <li>{t('If the address you entered belongs to an account, they verify your identity through another channel, such as a phone call, before anything changes.')}</li>
        <li>{t('Then they help you back in: a recovery code, or a link to set a new password or second factor.')}</li>
      </ol>
      <p class="aside">{t('No email is sent to the address you entered now. Nobody will ask you for a password or a code.')}</p>
      <p class="aside"><a href={`${props.prefix}/login`}>{t('Back to sign in')}</a></p>
    </Layout>
  );
}

/** Over the per-IP or per-email limit; the same words whatever the email. */
export function AssistLimitedPage(props: { prefix: string; csrfToken: string; types: readonly string[]; wait: string }) {
  return <AssistPage prefix={props.prefix} csrfToken={props.csrfToken} types={props.types} error={`${t('Too many requests.')} ${props.wait}`} />;
}
