import { CsrfField, ErrorNote, Layout } from '../layout.js';

export const ASSISTANCE_TYPE_LABELS: Readonly<Record<string, string>> = {
  lost_2fa: 'I lost my second factor (phone, authenticator app or security key)',
  forgot_password: 'I forgot my password',
  locked_out: 'My account is locked',
  other: 'Something else',
};

export const MESSAGE_MAX_LENGTH = 2000;

export interface AssistPageProps {
  prefix: string;
  csrfToken: string;
  /** The request types the policy offers, in its order. */
  types: readonly string[];
  values?: { email?: string; type?: string; message?: string };
  error?: string | null;
}

/** `GET P/assist`: the "I can't sign in" form; also shown again with an error. */
export function AssistPage(props: AssistPageProps) {
  const { prefix, values = {} } = props;
  return (
    <Layout title="Ask for help" prefix={prefix}>
      <h1>Ask for help signing in</h1>
      <p>
        Tell us which account you cannot get into. An administrator will look at your request and
        contact you to confirm who you are before anything changes.
      </p>
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/assist`} class="card">
        <CsrfField token={props.csrfToken} />
        <label for="email">Email address of your account</label>
        <input id="email" name="email" type="email" autocomplete="username" required maxlength={254} value={values.email ?? ''} />
        <label for="type">What happened?</label>
        <select id="type" name="type" required>
          {props.types.map((type) => (
            <option value={type} selected={values.type === type}>{ASSISTANCE_TYPE_LABELS[type] ?? type}</option>
          ))}
        </select>
        <label for="message">Anything an administrator should know <span class="muted">(optional)</span></label>
        <textarea id="message" name="message" rows={5} maxlength={MESSAGE_MAX_LENGTH}>{values.message ?? ''}</textarea>
        <p class="aside">Do not include passwords or codes. An administrator will never ask you for them.</p>
        <button type="submit">Send request</button>
      </form>
      <p class="aside"><a href={`${prefix}/login`}>Back to sign in</a></p>
    </Layout>
  );
}

/**
 * The answer to every accepted submission, whether or not the email matches an account
 * (SECURITY A1): only the reference differs, so nothing here may depend on the account.
 */
export function AssistReceivedPage(props: { prefix: string; reference: string; usualResponse: string }) {
  return (
    <Layout title="Request received" prefix={props.prefix}>
      <h1>Request received</h1>
      <div class="card">
        <p>Your reference:</p>
        <p class="code"><strong>{props.reference}</strong></p>
        <p class="aside">Keep it: an administrator may ask you for it.</p>
      </div>
      <h2>What happens next</h2>
      <ol>
        <li>An administrator reads your request, usually within {props.usualResponse}.</li>
        <li>
          If the address you entered belongs to an account, they verify your identity through another
          channel, such as a phone call, before anything changes.
        </li>
        <li>Then they help you back in: a recovery code, or a link to set a new password or second factor.</li>
      </ol>
      <p class="aside">No email is sent to the address you entered now. Nobody will ask you for a password or a code.</p>
      <p class="aside"><a href={`${props.prefix}/login`}>Back to sign in</a></p>
    </Layout>
  );
}

/** Over the per-IP or per-email limit; the same words whatever the email. */
export function AssistLimitedPage(props: { prefix: string; csrfToken: string; types: readonly string[]; wait: string }) {
  return <AssistPage prefix={props.prefix} csrfToken={props.csrfToken} types={props.types} error={`Too many requests. ${props.wait}`} />;
}
