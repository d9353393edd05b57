import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout, NoticeNote } from '../layout.js';

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
    <Layout title={t('Sign in')} prefix={prefix}>
      <h1>{t('Sign in')}</h1>
      <NoticeNote message={props.notice} />
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/login`} class="card">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="rd" value={props.rd} />
        <label for="email">{props.usernames ? t('Email or username') : t('Email')}</label>
        <input id="email" name="email" type={props.usernames ? 'text' : 'email'} autocomplete="username" required value={props.email ?? ''} autofocus {...invalidWhen(props.error)} />
        <label for="password">{t('Password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required {...invalidWhen(props.error)} />
        <button type="submit">{t('Sign in')}</button>
        {/* Posts this form to the help page, so the email typed here comes along without JavaScript
            and never lands in a URL; the help page ignores every other field. */}
        <p class="aside">
          <button type="submit" class="link" formaction={`${prefix}/assist/from-sign-in`} formnovalidate>{t("Can't sign in?")}</button>
          {props.forgotPassword ? <>{' · '}<a href={`${prefix}/password/forgot`}>{t('Forgot your password?')}</a></> : null}
          {' · '}<a href={`${prefix}/2fa/recovery-code`}>{t('Have a recovery code?')}</a>
        </p>
      </form>
    </Layout>
  );
}
