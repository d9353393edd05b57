/** `P/2fa/backup-code`: sign in with one of the user's backup codes instead of the second factor. */
import { t } from '../i18n.js';
import { CsrfField, ErrorNote, invalidWhen, Layout } from '../layout.js';

export interface BackupCodeChallengePageProps {
  prefix: string;
  csrfToken: string;
  rd: string;
  user: { email: string; name: string; isAdmin?: boolean };
  error?: string | null;
}

export function BackupCodeChallengePage(props: BackupCodeChallengePageProps) {
  const { prefix } = props;
  return (
    <Layout title={t('Use a backup code')} prefix={prefix} user={props.user} csrfToken={props.csrfToken}>
      <h1>{t('Use a backup code')}</h1>
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/2fa/backup-code`} class="card">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="rd" value={props.rd} />
        <label for="code">{t('Backup code')}</label>
        <input
          id="code" name="code" type="text" class="code" required autofocus
          autocomplete="one-time-code" autocapitalize="characters" spellcheck={false}
          maxlength={80} placeholder="XXXX-XXXX" {...invalidWhen(props.error)}
        />
        <p class="aside">{t('Each code works once. Dashes, spaces and upper or lower case do not matter.')}</p>
        <button type="submit">{t('Sign in')}</button>
      </form>
      <p class="aside"><a href={`${prefix}/2fa?rd=${encodeURIComponent(props.rd)}`}>{t('Use another way to sign in')}</a></p>
      <p class="aside">{t('No codes left?')} <a href={`${prefix}/assist`}>{t('Ask for help')}</a></p>
    </Layout>
  );
}
