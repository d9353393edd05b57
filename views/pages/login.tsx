import { CsrfField, ErrorNote, Layout, NoticeNote } from '../layout.js';

export interface LoginPageProps {
  prefix: string;
  csrfToken: string;
  rd: string;
  email?: string;
  error?: string | null;
  notice?: string | null;
  /** With a directory, people sign in with their username too. */
  usernames?: boolean;
  /** recovery.self_service_password_reset: offer "Forgot your password?". */
  forgotPassword?: boolean;
}

export function LoginPage(props: LoginPageProps) {
  const { prefix } = props;
  return (
    <Layout title="Sign in" prefix={prefix}>
      <h1>Sign in</h1>
      <NoticeNote message={props.notice} />
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/login`} class="card">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="rd" value={props.rd} />
        <label for="email">{props.usernames ? 'Email or username' : 'Email'}</label>
        <input id="email" name="email" type={props.usernames ? 'text' : 'email'} autocomplete="username" required value={props.email ?? ''} autofocus />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
        {/* Posts this form to the help page, so the email typed here comes along without JavaScript
            and never lands in a URL; the help page ignores every other field. */}
        <p class="aside">
          <button type="submit" class="link" formaction={`${prefix}/assist/from-sign-in`} formnovalidate>Can't sign in?</button>
          {props.forgotPassword ? <>{' · '}<a href={`${prefix}/password/forgot`}>Forgot your password?</a></> : null}
          {' · '}<a href={`${prefix}/2fa/recovery-code`}>Have a recovery code?</a>
        </p>
      </form>
    </Layout>
  );
}
