import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout, NoticeNote } from '../layout.js';

/**
 * Where the user stands: `ask` (no code for this sign-in yet), `waiting` (a code is out), or how
 * the email just requested fared: `sent`, `sending` (not handed over yet), `delayed` (the mail
 * server refused for now and the message is retried), `failed` (it cannot be delivered).
 */
export type EmailOtpPageState = 'ask' | 'waiting' | 'sent' | 'sending' | 'delayed' | 'failed';

export interface EmailOtpPageProps {
  prefix: string;
  csrfToken: string;
  rd: string;
  state: EmailOtpPageState;
  /** The registered address, masked (`a•••@example.com`). */
  maskedEmail: string;
  digits: number;
  ttlMinutes: number;
  user?: { email: string; name: string; isAdmin?: boolean } | null;
  error?: string | null;
}

/** The email one-time code page: enter the code, or ask for a (new) one. */
export function EmailOtpPage(props: EmailOtpPageProps) {
  const { prefix, state } = props;
  const to = { digits: props.digits, email: props.maskedEmail };
  const expiry = t('It expires in {{count}} minutes and works once.', { count: props.ttlMinutes });
  const challenge = withRd(`${prefix}/2fa`, props.rd);
  return (
    <Layout title={t('Sign in with an emailed code')} prefix={prefix} user={props.user ?? null} csrfToken={props.csrfToken}>
      <h1>{state === 'ask' ? t('Sign in with an emailed code') : t('Check your email')}</h1>
      <ErrorNote message={props.error} />
      {state === 'sent' ? <NoticeNote message={`${t('We sent a {{digits}}-digit code to {{email}}.', to)} ${expiry}`} /> : null}
      {state === 'sending' ? <NoticeNote message={`${t('We are sending a {{digits}}-digit code to {{email}}; it may take a minute to arrive.', to)} ${expiry}`} /> : null}
      {state === 'delayed' ? (
        <p class="warning" role="status">
          {`${t('We could not send the email to {{email}} yet. We keep trying, so the code may still arrive in the next few minutes.', to)} ${expiry}`}
        </p>
      ) : null}
      {state === 'failed' ? (
        <p class="error" role="alert">
          {t('We could not send an email to {{email}}. Use another way to sign in, or ask for help.', to)}
        </p>
      ) : null}
      {state === 'waiting' ? <p>{t('Enter the {{digits}}-digit code we sent to {{email}}.', to)}</p> : null}

      {state === 'ask' ? (
        <form method="post" action={`${prefix}/2fa/email-otp/send`} class="card">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="rd" value={props.rd} />
          <p>{t('We can email a {{digits}}-digit code to {{email}}, the address registered for your account.', to)}</p>
          <button type="submit">{t('Email me a code')}</button>
        </form>
      ) : (
        <>
          <form method="post" action={`${prefix}/2fa/email-otp`} class="card">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="rd" value={props.rd} />
            <label for="code">{t('Code from the email')}</label>
            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*"
              maxlength={20} required autofocus {...invalidWhen(props.error)} />
            <button type="submit">{t('Continue')}</button>
          </form>
          <form method="post" action={`${prefix}/2fa/email-otp/send`} class="inline">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="rd" value={props.rd} />
            <p class="aside">
              {t('Nothing arrived? Check your spam folder, or')} <button type="submit" class="link">{t('send a new code')}</button>.{' '}
              {t('A new code replaces the previous one.')}
            </p>
          </form>
        </>
      )}
      <p class="aside">
        <a href={challenge}>{t('Use another way to sign in')}</a> · <a href={`${prefix}/assist`}>{t('Ask for help')}</a>
      </p>
    </Layout>
  );
}

function withRd(path: string, rd: string): string {
  return rd ? `${path}?rd=${encodeURIComponent(rd)}` : path;
}
