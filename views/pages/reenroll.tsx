/** `P/reenroll`: the interstitial for re-enrolment obligations, with "Do it now" and "Remind me later". */
import { Deadline, describeRequirement, describeTrigger, type ObligationView } from '../components/obligations-notice.js';
import { t } from '../i18n.js';
import { CsrfField, Layout } from '../layout.js';

export interface ReenrollPageProps {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string; isAdmin?: boolean };
  timeZone: string;
  /** Validated destination once done or postponed. */
  rd: string;
  obligations: readonly ObligationView[];
  /** Regenerating codes needs a second factor passed within 10 minutes (SECURITY B4). */
  freshSecondFactor: boolean;
}

function Action(props: { prefix: string; csrfToken: string; rd: string; obligation: ObligationView; freshSecondFactor: boolean }) {
  const { prefix, rd } = props;
  if (props.obligation.requirement === 'enroll_second_factor') {
    return <a class="button" href={`${prefix}/enroll?rd=${encodeURIComponent(rd)}`}>{t('Do it now')}</a>;
  }
  if (!props.freshSecondFactor) {
    const back = `${prefix}/reenroll?rd=${encodeURIComponent(rd)}`;
    return <a class="button" href={`${prefix}/2fa?rd=${encodeURIComponent(back)}&reason=stepup`}>{t('Do it now')}</a>;
  }
  return (
    <form method="post" action={`${prefix}/backup-codes/regenerate`} class="inline">
      <CsrfField token={props.csrfToken} />
      <button type="submit">{t('Do it now')}</button>
    </form>
  );
}

export function ReenrollPage(props: ReenrollPageProps) {
  const { prefix, obligations } = props;
  const blocking = obligations.some((o) => o.blocking);
  return (
    <Layout title={t('Before you continue')} prefix={prefix} user={props.user} csrfToken={props.csrfToken}>
      <h1>{t('Before you continue')}</h1>
      {blocking ? (
        <p class="warning" role="alert">{t('Your organisation requires this before you can use its applications again.')}</p>
      ) : (
        <p class="notice" role="status">{t('Your organisation asks you to do this soon. It only takes a minute.')}</p>
      )}
      {obligations.map((o) => (
        <section class="card" data-requirement={o.requirement} data-blocking={String(o.blocking)}>
          <h2>{describeRequirement(o.requirement)}</h2>
          <p>{t('Because {{reason}}.', { reason: describeTrigger(o.trigger) })} <Deadline obligation={o} timeZone={props.timeZone} /></p>
          {o.requirement === 'regenerate_backup_codes' && !props.freshSecondFactor ? (
            <p class="aside">{t('You will confirm with your second factor first; a new set cancels all the old codes.')}</p>
          ) : null}
          <Action prefix={prefix} csrfToken={props.csrfToken} rd={props.rd} obligation={o} freshSecondFactor={props.freshSecondFactor} />
        </section>
      ))}
      {blocking ? null : (
        <form method="post" action={`${prefix}/reenroll/snooze`} class="card">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="rd" value={props.rd} />
          <button type="submit" class="secondary">{t('Remind me later')}</button>
          <p class="aside">{t('We will ask again tomorrow. After the deadline it can no longer wait.')}</p>
        </form>
      )}
      <p class="aside">{t('You can always see this on your account page:')} <a href={`${prefix}/account`}>{t('Your account')}</a></p>
    </Layout>
  );
}
