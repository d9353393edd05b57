/** TOTP helpers shared by the HTTP tests: read the enrolment page, seed a confirmed factor. */
import { expect } from 'vitest';
import type { Storage } from '../../db/client.js';
import type { Clock } from '../../gateway/core/clock.js';
import { confirmTotpEnrolment, startTotpEnrolment, totpSealingKey } from '../../gateway/factors/totp.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TEST_SECRET } from '../support/gateway.js';
import type { TestClient } from '../support/client.js';

export const P = '/.recourse';
export const STEP_MS = 30_000;

/** The secret shown as text on the enrolment page, without the grouping spaces. */
export function secretOnPage(html: string): string {
  const grouped = /id="totp-secret">([^<]+)</.exec(html)?.[1];
  expect(grouped, 'the enrolment page shows the secret').toBeDefined();
  return grouped!.replace(/\s/g, '');
}

/** A six-digit code that matches none of the steps around `nowMs`: certainly wrong. */
export function wrongCode(secret: string, nowMs: number): string {
  const near = new Set([-1, 0, 1].map((d) => generateTotpCode(secret, nowMs + d * STEP_MS)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

/** Opens the enrolment page and confirms it with the current code; returns the secret and the answer. */
export async function enrolThroughPage(client: TestClient, clock: Clock, rd = ''): Promise<{ secret: string; res: Response }> {
  const { res: pageRes, html } = await client.page(`${P}/enroll${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`);
  expect(pageRes.status).toBe(200);
  const secret = secretOnPage(html);
  const factor = /name="factor" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const res = await client.postForm(`${P}/enroll/totp`, { code: generateTotpCode(secret, clock.nowMs()), factor, rd });
  return { secret, res };
}

/** A confirmed TOTP factor written through the domain functions (no HTTP); returns its secret. */
export async function seedTotp(storage: Storage, userId: string, clock: Clock): Promise<string> {
  const key = totpSealingKey(TEST_SECRET);
  // Confirmed with the code of the step before now, so the current code stays usable.
  const confirmAt = new Date(clock.nowMs() - STEP_MS);
  const session = { userId, sessionIdHash: 'seeded-by-test', now: confirmAt };
  const pending = await startTotpEnrolment(storage.db, key, session);
  const outcome = await storage.db.transaction((tx) => confirmTotpEnrolment(tx, key, {
    ...session, factorId: pending.factorId, code: generateTotpCode(pending.secret, confirmAt.getTime()),
  }));
  expect(outcome.ok).toBe(true);
  return pending.secret;
}
