import { LowCodesNotice } from '../components/low-codes-notice.js';
import { WebauthnChallengeButton } from '../components/webauthn.js';
import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout } from '../layout.js';

export interface RecoveryWays {
  backupCode: boolean;
  emailOtp: boolean;
  assistance: boolean;
}

export interface ChallengePageProps {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string; isAdmin?: boolean };
  /** Validated destination once the second factor is passed. */
  rd: string;
  totp: boolean;
  webauthn: boolean;
  recovery: RecoveryWays;
  /** Unused backup codes and the policy's low threshold, when codes are offered to this user. */
  backupCodes?: { left: number; lowThreshold: number } | null;
  error?: string | null;
}

export function ChallengePage(props: ChallengePageProps) {
  const { prefix, recovery } = props;
  const rdQuery = `?rd=${encodeURIComponent(props.rd)}`;
  return (
    <Layout title={t('Second step')} prefix={prefix} user={props.user} csrfToken={props.csrfToken}>
      <h1>{t("Confirm it's you")}</h1>
      <ErrorNote message={props.error} />
      {props.backupCodes && props.backupCodes.left > 0 ? (
        <LowCodesNotice prefix={prefix} codesLeft={props.backupCodes.left} lowThreshold={props.backupCodes.lowThreshold} />
      ) : null}
      {props.totp ? (
        <form method="post" action={`${prefix}/2fa/totp`} class="card" id="totp">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="rd" value={props.rd} />
          <label for="code">{t('Code from your authenticator app')}</label>
          <input id="code" name="code" class="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength={7} required autofocus {...invalidWhen(props.error)} />
          <button type="submit">{t('Verify')}</button>
        </form>
      ) : null}
      {props.webauthn ? <WebauthnChallengeButton prefix={prefix} csrfToken={props.csrfToken} /> : null}
      {!props.totp && !props.webauthn ? (
        <p class="warning">{t('None of your second factors can be used on this site right now.')}</p>
      ) : null}
      {/* Always shown: an administrator may have issued a recovery code even when no other way is allowed. */}
      <section class="card" id="recovery">
          <h2>{t('Lost your second factor?')}</h2>
          <ul>
            {recovery.backupCode ? <li><a href={`${prefix}/2fa/backup-code${rdQuery}`}>{t('Use a backup code')}</a></li> : null}
            {recovery.emailOtp ? (
              <li>
                <form method="post" action={`${prefix}/2fa/email-otp/send`} class="inline">
                  <CsrfField token={props.csrfToken} />
                  <input type="hidden" name="rd" value={props.rd} />
                  <button type="submit" class="link">{t('Email me a code')}</button>
                </form>
              </li>
            ) : null}
            {recovery.assistance ? <li><a href={`${prefix}/assist`}>{t("Can't sign in? Ask for help")}</a></li> : null}
            <li><a href={`${prefix}/2fa/recovery-code${rdQuery}`}>{t('Use a recovery code from an administrator')}</a></li>
          </ul>
      </section>
    </Layout>
  );
}
