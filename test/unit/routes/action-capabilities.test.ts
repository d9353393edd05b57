import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { Capability } from '../../../gateway/admin/permissions.js';
import { actionParam, capabilityOfAction, REQUEST_ACTION_CAPABILITY, USER_ACTION_CAPABILITY } from '../../../gateway/routes/admin/action-capabilities.js';
import type { AppEnv } from '../../../gateway/http/env.js';

/** What the guard would be asked for each path, through Hono's own routing of the pattern. */
async function wantedFor(map: Readonly<Record<string, Capability>>, path: string, also: readonly Capability[] = []) {
  const app = new Hono<AppEnv>();
  const of = capabilityOfAction(map, also);
  app.post(`/x/${actionParam(map)}`, (c) => c.json(of(c)));
  const res = await app.request(path, { method: 'POST' });
  return res.status === 200 ? await res.json() as Capability[] : res.status;
}

describe('the capability of each dashboard action (issue 32 finding 7)', () => {
  it('asks for the action\'s own capability after what the page needs, never dashboard alone', async () => {
    expect(await wantedFor(REQUEST_ACTION_CAPABILITY, '/x/reset-2fa', ['see_requests'])).toEqual(['see_requests', 'reset_2fa']);
    expect(await wantedFor(REQUEST_ACTION_CAPABILITY, '/x/generate-code', ['see_requests'])).toEqual(['see_requests', 'issue_recovery_code']);
    expect(await wantedFor(REQUEST_ACTION_CAPABILITY, '/x/cancel')).toEqual(['cancel_request']);
    expect(await wantedFor(REQUEST_ACTION_CAPABILITY, '/x/cancel-duplicates')).toEqual(['cancel_request']);
    expect(await wantedFor(USER_ACTION_CAPABILITY, '/x/send-recovery-code')).toEqual(['issue_recovery_code']);
    expect(await wantedFor(USER_ACTION_CAPABILITY, '/x/send-access-email')).toEqual(['send_access_email']);
    for (const map of [REQUEST_ACTION_CAPABILITY, USER_ACTION_CAPABILITY]) {
      for (const capability of Object.values(map)) expect(capability).not.toBe('dashboard');
    }
  });

  it('routes exactly the actions that have a capability', async () => {
    expect(await wantedFor(USER_ACTION_CAPABILITY, '/x/generate-code')).toBe(404);
    expect(await wantedFor(USER_ACTION_CAPABILITY, '/x/reset-2fax')).toBe(404);
    expect(await wantedFor(REQUEST_ACTION_CAPABILITY, '/x/cancelx')).toBe(404);
  });
});
