/**
 * Re-enrolment obligations, table-driven: every trigger × deadline × role × requirement opens an
 * obligation or not, blocks or nags (and a snooze or the deadline moves it), and only the right
 * action closes it. Runs the domain functions against real storage (PGlite or PostgreSQL).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../db/queries/users.js';
import { auditLog, signInEvents, type Role, type UserType } from '../../../db/schema/index.js';
import { parsePolicyFiles } from '../../../gateway/policy/load.js';
import { REENROLLMENT_EVENTS, type ReenrollmentEvent } from '../../../gateway/policy/schema.js';
import { compareWithHistory } from '../../../gateway/recovery/new-location.js';
import { resetSecondFactor } from '../../../gateway/recovery/reset-second-factor.js';
import {
  completeAfterEnrolment,
  completeObligations,
  fireReenrollmentTrigger,
  obligationDetour,
  obligationState,
  openObligations,
  snoozeObligations,
  SNOOZE_MS,
  type ReenrollmentDeps,
  type Requirement,
} from '../../../gateway/recovery/reenrollment.js';
import { openTestStorage } from '../../support/storage.js';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let users = 0;

beforeAll(async () => {
  storage = await openTestStorage();
});
afterAll(async () => {
  await storage?.close();
});

const SECRET = 'reenrollment-test-secret-0123456789-abcdef';

function policyOf(document: Record<string, unknown>): ReenrollmentDeps {
  const outcome = parsePolicyFiles([{ name: 'test.yaml', path: 'test.yaml', text: JSON.stringify(document) }]);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  const { policy } = outcome;
  return { policies: { current: () => ({ policy }) }, config: { session: { secret: SECRET } } };
}

async function newUser(role: Role = 'user', type: UserType = 'user') {
  const outcome = await createUser(storage.db, { email: `u${++users}@example.com`, role, type }, NOW);
  if (!outcome.ok) throw new Error('duplicate');
  return { userId: outcome.user.id, role, type };
}

const fire = (deps: ReenrollmentDeps, who: { userId: string; role: string; type: string }, trigger: ReenrollmentEvent, now = NOW) =>
  storage.db.transaction((tx) => fireReenrollmentTrigger(tx, deps, { ...who, trigger, now, actor: 'system' }));

async function auditCount(userId: string, event: 'reenrollment.required' | 'reenrollment.completed'): Promise<number> {
  return (await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)))).length;
}

/** The action that meets each requirement, and one that must not. */
const ACTIONS: Record<Requirement, { right: (userId: string) => Promise<unknown>; wrong: (userId: string) => Promise<unknown> }> = {
  enroll_second_factor: {
    right: (userId) => storage.db.transaction((tx) => completeAfterEnrolment(tx, { serverSecret: SECRET, userId, now: NOW, via: 'totp.enrolled', codesIssued: false })),
    wrong: (userId) => storage.db.transaction((tx) => completeObligations(tx, { serverSecret: SECRET, userId, requirement: 'regenerate_backup_codes', now: NOW, via: 'backup_codes.generated' })),
  },
  regenerate_backup_codes: {
    right: (userId) => storage.db.transaction((tx) => completeObligations(tx, { serverSecret: SECRET, userId, requirement: 'regenerate_backup_codes', now: NOW, via: 'backup_codes.generated' })),
    wrong: (userId) => storage.db.transaction((tx) => completeAfterEnrolment(tx, { serverSecret: SECRET, userId, now: NOW, via: 'webauthn.enrolled', codesIssued: false })),
  },
};

const cases = REENROLLMENT_EVENTS.flatMap((trigger) =>
  (['immediate', '7d'] as const).flatMap((within) =>
    (['admin', 'user'] as const).flatMap((role) =>
      (['enroll_second_factor', 'regenerate_backup_codes'] as const).map((require) => ({ trigger, within, role, require })))));

describe('re-enrolment rules, trigger × deadline × role × requirement', () => {
  it.each(cases)('$trigger → $require within $within, user role $role', async ({ trigger, within, role, require }) => {
    const deps = policyOf({ reenrollment: [{ on: trigger, require, within, roles: ['admin', 'super_admin'] }] });
    const who = await newUser(role);
    const other = REENROLLMENT_EVENTS.find((event) => event !== trigger)!;

    // Another trigger never opens this rule's obligation.
    expect((await fire(deps, who, other)).fired).toEqual([]);
    const { fired } = await fire(deps, who, trigger);
    const open = await openObligations(storage.db, who.userId);
    if (role !== 'admin') {
      expect(fired).toEqual([]);
      expect(open).toEqual([]);
      expect(await auditCount(who.userId, 'reenrollment.required')).toBe(0);
      return;
    }
    expect(open.map((o) => [o.trigger, o.requirement])).toEqual([[trigger, require]]);
    expect(await auditCount(who.userId, 'reenrollment.required')).toBe(1);
    const nowMs = NOW.getTime();

    if (within === 'immediate') {
      expect(open[0]!.dueAt).toBeNull();
      expect(obligationState(open, nowMs)).toBe('blocking');
      // Blocking stops XHR and page loads alike.
      const target = require === 'enroll_second_factor' ? 'enroll' : 'reenroll';
      expect(obligationDetour(open, nowMs, false)).toBe(target);
      expect(obligationDetour(open, nowMs, true)).toBe(target);
      // Nothing can postpone it.
      expect(await storage.db.transaction((tx) => snoozeObligations(tx, { userId: who.userId, now: NOW }))).toEqual([]);
    } else {
      expect(open[0]!.dueAt?.getTime()).toBe(nowMs + 7 * DAY);
      expect(obligationState(open, nowMs)).toBe('nag');
      expect(obligationDetour(open, nowMs, true)).toBe('reenroll');
      expect(obligationDetour(open, nowMs, false)).toBeNull();
      const snoozed = await storage.db.transaction((tx) => snoozeObligations(tx, { userId: who.userId, now: NOW }));
      expect(snoozed[0]!.snoozedUntil?.getTime()).toBe(nowMs + SNOOZE_MS);
      expect(obligationState(snoozed, nowMs + 1)).toBe('none');
      expect(obligationState(snoozed, nowMs + SNOOZE_MS)).toBe('nag');
      // At the deadline it blocks.
      expect(obligationState(snoozed, nowMs + 7 * DAY)).toBe('blocking');
      expect(obligationDetour(snoozed, nowMs + 7 * DAY, false)).toBe(require === 'enroll_second_factor' ? 'enroll' : 'reenroll');
    }

    await ACTIONS[require].wrong(who.userId);
    expect(await openObligations(storage.db, who.userId)).toHaveLength(1);
    await ACTIONS[require].right(who.userId);
    expect(await openObligations(storage.db, who.userId)).toEqual([]);
    expect(await auditCount(who.userId, 'reenrollment.completed')).toBe(1);
  });
});

describe('re-enrolment details', () => {
  it('keeps one open obligation per requirement, with the earlier deadline', async () => {
    const deps = policyOf({
      reenrollment: [
        { on: 'backup_code_used', require: 'enroll_second_factor', within: '7d' },
        { on: 'admin_reset', require: 'enroll_second_factor', within: 'immediate' },
        { on: 'email_otp_used', require: 'enroll_second_factor', within: '30d' },
      ],
    });
    const who = await newUser();
    await fire(deps, who, 'backup_code_used');
    const snoozed = await storage.db.transaction((tx) => snoozeObligations(tx, { userId: who.userId, now: NOW }));
    expect(snoozed).toHaveLength(1);
    // A later deadline changes nothing.
    expect((await fire(deps, who, 'email_otp_used')).fired).toEqual([]);
    let open = await openObligations(storage.db, who.userId);
    expect(open.map((o) => o.dueAt?.getTime())).toEqual([NOW.getTime() + 7 * DAY]);
    // An earlier one tightens the same row and ends the snooze.
    const tightened = await fire(deps, who, 'admin_reset');
    expect(tightened.fired.map((f) => f.change)).toEqual(['tightened']);
    open = await openObligations(storage.db, who.userId);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ dueAt: null, snoozedUntil: null, trigger: 'backup_code_used' });
    expect(await auditCount(who.userId, 'reenrollment.required')).toBe(2);
  });

  it('filters by user type, and one trigger may open two requirements', async () => {
    const deps = policyOf({
      reenrollment: [
        { on: 'backup_codes_low', require: 'regenerate_backup_codes', within: '14d', types: ['employee'] },
        { on: 'backup_codes_low', require: 'enroll_second_factor', within: '7d' },
      ],
    });
    const employee = await newUser('user', 'employee');
    const customer = await newUser('user', 'customer');
    await fire(deps, employee, 'backup_codes_low');
    await fire(deps, customer, 'backup_codes_low');
    expect((await openObligations(storage.db, employee.userId)).map((o) => o.requirement).sort()).toEqual(['enroll_second_factor', 'regenerate_backup_codes']);
    expect((await openObligations(storage.db, customer.userId)).map((o) => o.requirement)).toEqual(['enroll_second_factor']);
    // A new factor that came with a new set meets both.
    await storage.db.transaction((tx) => completeAfterEnrolment(tx, { serverSecret: SECRET, userId: employee.userId, now: NOW, via: 'totp.enrolled', codesIssued: true }));
    expect(await openObligations(storage.db, employee.userId)).toEqual([]);
  });

  it('opens nothing the policy leaves the user no way to meet', async () => {
    const deps = policyOf({
      factors: { totp: { enabled: false }, webauthn: { enabled: false }, backup_codes: { roles: ['employee'] } },
      reenrollment: [
        { on: 'admin_reset', require: 'enroll_second_factor', within: 'immediate' },
        { on: 'admin_reset', require: 'regenerate_backup_codes', within: 'immediate' },
      ],
    });
    const who = await newUser('user', 'customer');
    const outcome = await fire(deps, who, 'admin_reset');
    expect(outcome.fired).toEqual([]);
    expect(outcome.unmeetable).toEqual(['enroll_second_factor', 'regenerate_backup_codes']);
  });

  it('never snoozes past the deadline', async () => {
    const deps = policyOf({ reenrollment: [{ on: 'new_location', require: 'regenerate_backup_codes', within: '12h' }] });
    const who = await newUser();
    await fire(deps, who, 'new_location');
    const [snoozed] = await storage.db.transaction((tx) => snoozeObligations(tx, { userId: who.userId, now: NOW }));
    expect(snoozed!.snoozedUntil?.getTime()).toBe(NOW.getTime() + 12 * 3_600_000);
    expect(obligationState([snoozed!], NOW.getTime() + 12 * 3_600_000)).toBe('blocking');
  });
});

describe('admin_reset', () => {
  it('a 2FA reset fires it with the policy given, or with the built-in rules (the CLI)', async () => {
    const deps = policyOf({ reenrollment: [{ on: 'admin_reset', require: 'enroll_second_factor', within: '7d' }] });
    const fromDashboard = await newUser();
    await storage.db.transaction((tx) => resetSecondFactor(tx, { serverSecret: SECRET, userId: fromDashboard.userId, actor: 'system', reason: 'test', now: NOW, policies: deps.policies }));
    expect((await openObligations(storage.db, fromDashboard.userId)).map((o) => o.dueAt?.getTime())).toEqual([NOW.getTime() + 7 * DAY]);

    const fromShell = await newUser();
    await storage.db.transaction((tx) => resetSecondFactor(tx, { serverSecret: SECRET, userId: fromShell.userId, actor: 'cli', reason: 'test', now: NOW }));
    const [open] = await openObligations(storage.db, fromShell.userId);
    expect(open).toMatchObject({ trigger: 'admin_reset', requirement: 'enroll_second_factor', dueAt: null });
    const [row] = await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, fromShell.userId), eq(auditLog.event, 'reenrollment.required')));
    expect(row?.actorLabel).toBe('cli');
  });
});

describe('new location', () => {
  const signIn = (userId: string, place: { country: string | null; asn: number | null }, success = true) =>
    storage.db.insert(signInEvents).values({ userId, at: NOW, success, method: 'password', ip: '192.0.2.1', ...place });

  it('a first sign-in is not new; a country or network never seen with success is', async () => {
    const { userId } = await newUser();
    const home = { country: 'SE', asn: 29518 };
    expect(await compareWithHistory(storage.db, userId, home)).toBeNull();
    await signIn(userId, home);
    expect(await compareWithHistory(storage.db, userId, home)).toBeNull();
    expect(await compareWithHistory(storage.db, userId, { country: 'US', asn: 29518 })).toMatchObject({ because: ['country'] });
    expect(await compareWithHistory(storage.db, userId, { country: 'SE', asn: 1221 })).toMatchObject({ because: ['network'] });
    expect(await compareWithHistory(storage.db, userId, { country: 'GB', asn: 1221 })).toMatchObject({ because: ['country', 'network'] });
    // A failed attempt from somewhere does not make it known.
    await signIn(userId, { country: 'GB', asn: 1221 }, false);
    expect(await compareWithHistory(storage.db, userId, { country: 'GB', asn: 1221 })).not.toBeNull();
    // No location for this address: nothing to compare.
    expect(await compareWithHistory(storage.db, userId, { country: null, asn: null })).toBeNull();
  });

  it('history without location data cannot call a place new', async () => {
    const { userId } = await newUser();
    await signIn(userId, { country: null, asn: null });
    expect(await compareWithHistory(storage.db, userId, { country: 'SE', asn: 29518 })).toBeNull();
  });
});
