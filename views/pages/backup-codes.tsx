/** `P/backup-codes`: a new set shown once (with download and print), or how many codes are left. */
import { BackupCodesPanel } from '../components/backup-codes-panel.js';
import type { Translate } from '../../gateway/i18n/i18n.js';
import { t, usePageLanguage } from '../i18n.js';
import { Layout } from '../layout.js';

export interface BackupCodesPageProps {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string; isAdmin?: boolean };
  /** The new set, formatted `XXXX-XXXX`; absent once it has been shown. */
  codes?: readonly string[];
  codesLeft: number;
  lowThreshold: number;
  /** Where the user goes on from here (the `rd` of the page, or the account page). */
  next: string;
}

/** The .txt download is a data: URL: the codes exist only in this response, never at a second address. */
function downloadHref(translate: Translate, codes: readonly string[], email: string): string {
  const text = [
    translate('Recourse backup codes for {{email}}', { email }),
    translate('Each code works once. Keep them somewhere safe, away from your phone.'),
    '',
    ...codes,
    '',
  ].join('\r\n');
  return `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
}

export function BackupCodesPage(props: BackupCodesPageProps) {
  const { prefix, codes } = props;
  return (
    <Layout title={t('Backup codes')} prefix={prefix} user={props.user} csrfToken={props.csrfToken}>
      <h1>{t('Backup codes')}</h1>
      {codes && codes.length > 0 ? (
        <>
          <p class="warning" role="status">{t('Save these codes now. This is the only time they are shown.')}</p>
          <section class="card">
            <div class="codes code" id="backup-code-list" role="list" aria-label={t('Your backup codes')}>
              {codes.map((code) => <span role="listitem">{code}</span>)}
            </div>
            <p class="aside">{t('Each code signs you in once when your authenticator or security key is not at hand. Any older codes no longer work.')}</p>
            <p class="noprint">
              <a class="button secondary" download="recourse-backup-codes.txt" href={downloadHref(usePageLanguage().t, codes, props.user.email)}>{t('Download .txt')}</a>{' '}
              <button type="button" class="secondary" data-print hidden>{t('Print')}</button>
            </p>
          </section>
          <p class="noprint"><a class="button" href={props.next}>{t('I have saved my codes')}</a></p>
          <script src={`${prefix}/static/print.js`} defer></script>
        </>
      ) : (
        <>
          <p>{t('Backup codes are shown only once, when they are generated. If you have lost yours, generate a new set.')}</p>
          <BackupCodesPanel prefix={prefix} csrfToken={props.csrfToken} codesLeft={props.codesLeft} lowThreshold={props.lowThreshold} />
          <p class="aside"><a href={`${prefix}/account`}>{t('Back to your account')}</a></p>
        </>
      )}
    </Layout>
  );
}
