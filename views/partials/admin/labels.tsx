/** How statuses, deliveries, types and times read on the dashboard. */

export const STATUS_LABELS: Readonly<Record<string, string>> = { pending: 'Pending', approved: 'Approved', cancelled: 'Cancelled', completed: 'Completed' };
export const DELIVERY_LABELS: Readonly<Record<string, string>> = { pending: 'Pending', email_sent: 'Email Sent', sms_sent: 'SMS Sent', failed: 'Failed' };
export const TYPE_LABELS: Readonly<Record<string, string>> = { user: 'User', employee: 'Employee', customer: 'Customer' };
export const ROLE_LABELS: Readonly<Record<string, string>> = { super_admin: 'Super admin', owner: 'Owner', admin: 'Admin', user: 'User' };
export const KIND_LABELS: Readonly<Record<string, string>> = {
  lost_2fa: 'Lost second factor', forgot_password: 'Forgot password', locked_out: 'Locked out', other: 'Other',
};

const STATUS_BADGES: Readonly<Record<string, string>> = { pending: 'badge warn', approved: 'badge', cancelled: 'badge bad', completed: 'badge ok' };
const DELIVERY_BADGES: Readonly<Record<string, string>> = { pending: 'badge', email_sent: 'badge ok', sms_sent: 'badge ok', failed: 'badge bad' };

export function StatusBadge(props: { status: string }) {
  return <span class={STATUS_BADGES[props.status] ?? 'badge'} data-status={props.status}>{STATUS_LABELS[props.status] ?? props.status}</span>;
}

/** With the request's status: a cancelled request whose message never went reads "Not sent" (issue 28). */
export function DeliveryBadge(props: { delivery: string; status?: string }) {
  const label = props.status === 'cancelled' && props.delivery === 'pending' ? 'Not sent' : DELIVERY_LABELS[props.delivery] ?? props.delivery;
  return <span class={DELIVERY_BADGES[props.delivery] ?? 'badge'} data-delivery={props.delivery}>{label}</span>;
}

/** A request pending longer than `recovery.assistance.stale_after`: how long it has waited. */
export function StaleBadge(props: { createdAt: Date; status: string; nowMs: number; staleAfterMs: number }) {
  const waited = props.nowMs - props.createdAt.getTime();
  if (props.status !== 'pending' || waited < props.staleAfterMs) return null;
  const days = Math.floor(waited / 86_400_000);
  const hours = Math.floor(waited / 3_600_000);
  return <span class="badge bad" data-stale="true">Waiting {days >= 1 ? `${days} day${days === 1 ? '' : 's'}` : `${hours} hour${hours === 1 ? '' : 's'}`}</span>;
}

export function formatWhen(at: Date | null | undefined, timeZone: string): string {
  if (!at) return 'never';
  return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

export function When(props: { at: Date | null | undefined; timeZone: string }) {
  return props.at ? <time datetime={props.at.toISOString()}>{formatWhen(props.at, props.timeZone)}</time> : <span class="muted">never</span>;
}
