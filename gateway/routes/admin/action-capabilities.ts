/**
 * The capability each recovery action posted on the dashboard needs (issue 32 finding 7). The
 * route's `requireAdmin` checks it before the action runs, so an action route can never be guarded
 * by `dashboard` alone; the action checks it again in its transaction (admin/actions.ts `resolve`)
 * together with its right over the account. The routes' path patterns are made from these keys,
 * so an action cannot be routed without a capability.
 */
import type { Context } from 'hono';
import type { Capability } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';

export const USER_ACTION_CAPABILITY = {
  'send-recovery-code': 'issue_recovery_code',
  'send-access-email': 'send_access_email',
  'reset-2fa': 'reset_2fa',
} as const satisfies Record<string, Capability>;

export const REQUEST_ACTION_CAPABILITY = {
  'generate-code': 'issue_recovery_code',
  ...USER_ACTION_CAPABILITY,
  'cancel-duplicates': 'cancel_request',
  cancel: 'cancel_request',
} as const satisfies Record<string, Capability>;

/** A Hono path parameter `:action{a|b|…}` matching exactly the map's keys (longest first). */
export function actionParam(map: Readonly<Record<string, Capability>>): string {
  const names = Object.keys(map).sort((a, b) => b.length - a.length);
  return `:action{${names.join('|')}}`;
}

/**
 * What `requireAdmin` checks for the action in the path: `also` (what the page itself needs), then
 * the action's own capability. A name outside the map (the pattern never lets one through) gets a
 * capability no session passes without a fresh second factor and a manager's role.
 */
export function capabilityOfAction(map: Readonly<Record<string, Capability>>, also: readonly Capability[] = []) {
  return (c: Context<AppEnv>): readonly Capability[] => [...also, map[c.req.param('action') ?? ''] ?? 'change_settings'];
}
