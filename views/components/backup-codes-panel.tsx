/** The account page's backup-code section: how many are left, a warning when few, and Regenerate. */
import { t } from '../i18n.js';
import { CsrfField } from '../layout.js';

export interface BackupCodesPanelProps {
  prefix: string;
  csrfToken: string;
  codesLeft: number;
  /** `factors.backup_codes.low_threshold`. */
  lowThreshold: number;
}

export function BackupCodesPanel(props: BackupCodesPanelProps) {
  const { prefix, codesLeft } = props;
  const low = codesLeft <= props.lowThreshold;
  return (
    <section class="card" id="backup-codes">
      <h2>{t('Backup codes')}</h2>
      <p>
        <strong data-codes-left={String(codesLeft)}>{t('{{count}} backup codes left', { count: codesLeft })}</strong>
        {low ? <> <span class="badge warn">{t('low')}</span></> : null}
      </p>
      {low ? (
        <p class="warning" role="status">
          {codesLeft === 0
            ? t('You have no backup codes left. Generate a new set so you can still sign in if you lose your second factor.')
            : t('You are running low on backup codes. Generate a new set before you run out.')}
        </p>
      ) : null}
      <p class="aside">{t('Each code works once, for when your authenticator or security key is not at hand. A new set cancels all the old codes.')}</p>
      <form method="post" action={`${prefix}/backup-codes/regenerate`}>
        <CsrfField token={props.csrfToken} />
        <button type="submit" class="secondary">{t('Generate new backup codes')}</button>
      </form>
      <p class="aside">{t('You will be asked to confirm with your second factor if you have not used it in the last 10 minutes.')}</p>
    </section>
  );
}
