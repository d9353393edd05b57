/** Re-enrolment obligations as users see them: what is asked, why, and by when. */

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
  enroll_second_factor: 'Set up a new second factor (an authenticator app or a security key)',
  regenerate_backup_codes: 'Generate a new set of backup codes',
};

const REASONS: Record<string, string> = {
  backup_code_used: 'you signed in with a backup code',
  email_otp_used: 'you signed in with a code sent by email',
  recovery_code_used: 'you signed in with a recovery code from an administrator',
  admin_reset: 'an administrator reset your second factor',
  backup_codes_low: 'you are running low on backup codes',
  new_location: 'you signed in from a country or network not seen before on your account',
};

export const describeRequirement = (requirement: string) => REQUIREMENTS[requirement] ?? requirement;
export const describeTrigger = (trigger: string) => REASONS[trigger] ?? trigger;

/** "Required now", or the deadline in the server's time zone. */
export function Deadline(props: { obligation: ObligationView; timeZone: string }) {
  const { obligation } = props;
  if (obligation.blocking) return <span class="badge bad">Required now</span>;
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: props.timeZone, dateStyle: 'medium', timeStyle: 'short' });
  return <span class="badge warn">By {when.format(obligation.dueAt!)} ({props.timeZone})</span>;
}

/** The account page's explanation of open obligations, with the way to meet them. */
export function ObligationsNotice(props: { prefix: string; obligations: readonly ObligationView[]; timeZone: string }) {
  if (props.obligations.length === 0) return null;
  return (
    <section class="card" id="obligations">
      <h2>Asked of you by your organisation</h2>
      <ul>
        {props.obligations.map((o) => (
          <li data-requirement={o.requirement}>
            <strong>{describeRequirement(o.requirement)}</strong> <Deadline obligation={o} timeZone={props.timeZone} />
            <br />
            <span class="muted">Because {describeTrigger(o.trigger)}.</span>
          </li>
        ))}
      </ul>
      <p><a class="button" href={`${props.prefix}/reenroll`}>Do it now</a></p>
    </section>
  );
}
