/** Re-enrolment obligations as users see them: what is asked, why, and by when. */
import { translatable } from '../../gateway/i18n/i18n.js';
import { formatWhen, t } from '../i18n.js';

export interface ObligationView {
  id: string;
  requirement: string;
  trigger: string;
  /** Null: immediate. */
  dueAt: Date | null;
  snoozedUntil: Date | null;
  /** Immediate or past its deadline: apps stay out of reach until it is done. */
  blocking: boolean;
}

const REQUIREMENTS: Record<string, string> = {
  enroll_second_factor: translatable('Set up a new second factor (an authenticator app or a security key)'),
  regenerate_backup_codes: translatable('Generate a new set of backup codes'),
};

const REASONS: Record<string, string> = {
  backup_code_used: translatable('you signed in with a backup code'),
  email_otp_used: translatable('you signed in with a code sent by email'),
  recovery_code_used: translatable('you signed in with a recovery code from an administrator'),
  admin_reset: translatable('an administrator reset your second factor'),
  backup_codes_low: translatable('you are running low on backup codes'),
  new_location: translatable('you signed in from a country or network not seen before on your account'),
};

/** In the viewer's language when rendered in a page. */
export const describeRequirement = (requirement: string) => (REQUIREMENTS[requirement] ? t(REQUIREMENTS[requirement]) : requirement);
export const describeTrigger = (trigger: string) => (REASONS[trigger] ? t(REASONS[trigger]) : trigger);

/** "Required now", or the deadline in the viewer's language and zone. */
export function Deadline(props: { obligation: ObligationView; timeZone: string }) {
  const { obligation } = props;
  if (obligation.blocking) return <span class="badge bad">{t('Required now')}</span>;
  return <span class="badge warn">{t('By {{when}}', { when: formatWhen(obligation.dueAt!) })}</span>;
}

/** The account page's explanation of open obligations, with the way to meet them. */
export function ObligationsNotice(props: { prefix: string; obligations: readonly ObligationView[]; timeZone: string }) {
  if (props.obligations.length === 0) return null;
  return (
    <section class="card" id="obligations">
      <h2>{t('Asked of you by your organisation')}</h2>
      <ul>
        {props.obligations.map((o) => (
          <li data-requirement={o.requirement}>
            <strong>{describeRequirement(o.requirement)}</strong> <Deadline obligation={o} timeZone={props.timeZone} />
            <br />
            <span class="muted">{t('Because {{reason}}.', { reason: describeTrigger(o.trigger) })}</span>
          </li>
        ))}
      </ul>
      <p><a class="button" href={`${props.prefix}/reenroll`}>{t('Do it now')}</a></p>
    </section>
  );
}
