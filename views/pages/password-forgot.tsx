import { CsrfField, ErrorNote, Layout } from '../layout.js';

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
    <Layout title="Forgot your password?" prefix={prefix}>
      <h1>Forgot your password?</h1>
      <p>Enter the email address of your account. We will send you a link to choose a new password.</p>
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/password/forgot`} class="card">
        <CsrfField token={props.csrfToken} />
        <label for="email">Email address of your account</label>
        <input id="email" name="email" type="email" autocomplete="username" required maxlength={254} value={props.email ?? ''} autofocus />
        <button type="submit">Send me a link</button>
      </form>
      <p class="aside"><a href={`${prefix}/login`}>Back to sign in</a> · <a href={`${prefix}/assist`}>Lost your second factor too? Ask for help</a></p>
    </Layout>
  );
}

/**
 * The answer to every accepted request, whether or not an account has the address (the same
 * bytes but for the CSRF token): nothing here may depend on the account.
 */
export function PasswordLinkSentPage(props: { prefix: string; ttl: string }) {
  return (
    <Layout title="Check your email" prefix={props.prefix}>
      <h1>Check your email</h1>
      <p>
        If an account uses the address you entered, we have sent it a link to choose a new password.
        It usually arrives within a few minutes and works once, for {props.ttl}.
      </p>
      <p>You will still be asked for your second factor when you sign in with the new password.</p>
      <p class="aside">Nothing arrived? Check your spam folder, or <a href={`${props.prefix}/assist`}>ask for help</a>.</p>
      <p class="aside"><a href={`${props.prefix}/login`}>Back to sign in</a></p>
    </Layout>
  );
}
