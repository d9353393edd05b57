import { CsrfField, ErrorNote, Layout, NoticeNote } from '../layout.js';

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
  const codeName = `${props.digits}-digit code`;
  const expiry = `It expires in ${props.ttlMinutes === 1 ? '1 minute' : `${props.ttlMinutes} minutes`} and works once.`;
  const challenge = withRd(`${prefix}/2fa`, props.rd);
  return (
    <Layout title="Sign in with an emailed code" prefix={prefix} user={props.user ?? null} csrfToken={props.csrfToken}>
      <h1>{state === 'ask' ? 'Sign in with an emailed code' : 'Check your email'}</h1>
      <ErrorNote message={props.error} />
      {state === 'sent' ? <NoticeNote message={`We sent a ${codeName} to ${props.maskedEmail}. ${expiry}`} /> : null}
      {state === 'sending' ? <NoticeNote message={`We are sending a ${codeName} to ${props.maskedEmail}; it may take a minute to arrive. ${expiry}`} /> : null}
      {state === 'delayed' ? (
        <p class="warning" role="status">
          {`We could not send the email to ${props.maskedEmail} yet. We keep trying, so the code may still arrive in the next few minutes. ${expiry}`}
        </p>
      ) : null}
      {state === 'failed' ? (
        <p class="error" role="alert">
          {`We could not send an email to ${props.maskedEmail}. Use another way to sign in, or ask for help.`}
        </p>
      ) : null}
      {state === 'waiting' ? <p>{`Enter the ${codeName} we sent to ${props.maskedEmail}.`}</p> : null}

      {state === 'ask' ? (
        <form method="post" action={`${prefix}/2fa/email-otp/send`} class="card">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="rd" value={props.rd} />
          <p>{`We can email a ${codeName} to ${props.maskedEmail}, the address registered for your account.`}</p>
          <button type="submit">Email me a code</button>
        </form>
      ) : (
        <>
          <form method="post" action={`${prefix}/2fa/email-otp`} class="card">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="rd" value={props.rd} />
            <label for="code">Code from the email</label>
            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*"
              maxlength={20} required autofocus />
            <button type="submit">Continue</button>
          </form>
          <form method="post" action={`${prefix}/2fa/email-otp/send`} class="inline">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="rd" value={props.rd} />
            <p class="aside">
              Nothing arrived? Check your spam folder, or <button type="submit" class="link">send a new code</button>.
              A new code replaces the previous one.
            </p>
          </form>
        </>
      )}
      <p class="aside">
        <a href={challenge}>Use another way to sign in</a> · <a href={`${prefix}/assist`}>Ask for help</a>
      </p>
    </Layout>
  );
}

function withRd(path: string, rd: string): string {
  return rd ? `${path}?rd=${encodeURIComponent(rd)}` : path;
}
