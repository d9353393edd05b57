import { WebauthnEnrollSection } from '../components/webauthn.js';
import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout } from '../layout.js';

export interface TotpEnrolmentView {
  factorId: string;
  secret: string;
  uri: string;
  /** `data:image/svg+xml;base64,…` of the QR code for `uri`. */
  qrDataUrl: string;
  issuer: string;
}

export interface EnrollPageProps {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string; isAdmin?: boolean };
  /** Validated destination after enrolment; empty for the account page. */
  rd: string;
  /** Null when the policy turns TOTP off. */
  totp: TotpEnrolmentView | null;
  webauthn: boolean;
  /** The user already has an authenticator app that this one will replace. */
  replacing: boolean;
  /** Signed in with a recovery code: a new factor is the only way on. */
  restricted: boolean;
  /** Why the user was sent here before reaching the app. */
  required: boolean;
  error?: string | null;
}

/** Groups of four, as authenticator apps show and accept them. */
function groupSecret(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}

export function EnrollPage(props: EnrollPageProps) {
  const { prefix, totp } = props;
  return (
    <Layout title={t('Set up two-step sign-in')} prefix={prefix} user={props.user} csrfToken={props.csrfToken}>
      <h1>{t('Set up two-step sign-in')}</h1>
      {props.restricted ? (
        <p class="warning">{t('You signed in with a recovery code. Set up a new second factor now to finish signing in.')}</p>
      ) : props.required ? (
        <p class="notice">{t('This site asks for a second step when you sign in. Set one up to continue.')}</p>
      ) : null}
      <ErrorNote message={props.error} />
      {totp ? (
        <section class="card" id="totp">
          <h2>{t('Authenticator app')}</h2>
          {props.replacing ? <p class="aside">{t('This replaces the authenticator app you set up before.')}</p> : null}
          {/* On a phone (style.css) the app link and the key come first: the QR code is for another device. */}
          <div class="totp-setup">
            <div class="totp-qr">
              <p>{t('Scan this code with an authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis).')}</p>
              <img class="qr" src={totp.qrDataUrl} alt={t('QR code to add this account to your authenticator app')} width="200" height="200" />
            </div>
            <div class="totp-key">
              <p class="aside">{t("Can't scan it? Enter this key in the app instead ({{issuer}}, time-based):", { issuer: totp.issuer })}</p>
              <p class="code" id="totp-secret">{groupSecret(totp.secret)}</p>
            </div>
            <p class="aside totp-app-link"><a href={totp.uri}>{t('Open in an authenticator app on this device')}</a></p>
          </div>
          <form method="post" action={`${prefix}/enroll/totp`} class="card">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="factor" value={totp.factorId} />
            <input type="hidden" name="rd" value={props.rd} />
            <label for="code">{t('Code shown in the app')}</label>
            <input id="code" name="code" class="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength={7} required autofocus {...invalidWhen(props.error)} />
            <button type="submit">{t('Verify and turn on')}</button>
          </form>
        </section>
      ) : null}
      {props.webauthn ? <WebauthnEnrollSection prefix={prefix} csrfToken={props.csrfToken} /> : null}
      {!totp && !props.webauthn ? (
        <p class="warning">{t('No second-factor method is turned on for this site. Ask an administrator for help.')}</p>
      ) : null}
      {props.restricted || props.required ? null : <p class="aside"><a href={`${prefix}/account`}>{t('Back to your account')}</a></p>}
    </Layout>
  );
}
