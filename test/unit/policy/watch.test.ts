import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../gateway/core/clock.js';
import type { PolicyError } from '../../../gateway/policy/load.js';
import { createPolicyStore, type PolicyStore } from '../../../gateway/policy/watch.js';
import { makePolicyDir, yaml } from './policy-dir.js';

const stores: PolicyStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

const ADMIN = { host: 'app.example.com', path: '/admin', method: 'GET', roles: [], groups: [] };
const rule = (policy: string) => yaml('access:', '  rules:', '    - paths: ["/admin/**"]', `      policy: ${policy}`);

async function open(dir: string, options: { pollMs?: number } = {}) {
  const reloaded: string[] = [];
  const rejected: PolicyError[][] = [];
  const clock = new FixedClock();
  const outcome = await createPolicyStore({
    dir,
    clock,
    onReloaded: (version) => reloaded.push(version),
    onRejected: (errors) => rejected.push(errors),
    ...options,
  });
  if (!outcome.ok) throw new Error(outcome.lines.join('\n'));
  stores.push(outcome.store);
  return { store: outcome.store, clock, reloaded, rejected };
}

async function within(ms: number, condition: () => boolean): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - start;
}

describe('policy store', () => {
  it('applies a valid change on disk within 2 seconds', async () => {
    const dir = await makePolicyDir({ 'a.yaml': rule('deny') });
    const { store, clock, reloaded } = await open(dir);
    const before = store.current();
    expect(before.compiled.decideAccess(ADMIN)).toBe('deny');

    clock.advance(60_000);
    await writeFile(join(dir, 'a.yaml'), rule('bypass'));
    await within(2_000, () => store.current().compiled.decideAccess(ADMIN) === 'bypass');

    const after = store.current();
    expect(after.version).not.toBe(before.version);
    expect(after.loadedAt.getTime()).toBe(before.loadedAt.getTime() + 60_000);
    expect(reloaded).toEqual([after.version]);
  });

  it('notices a new file and an atomic rename-over, as editors save', async () => {
    const dir = await makePolicyDir({ 'a.yaml': rule('deny') });
    const { store } = await open(dir);
    await writeFile(join(dir, '.a.yaml.tmp'), rule('one_factor'));
    await rename(join(dir, '.a.yaml.tmp'), join(dir, 'a.yaml'));
    await within(2_000, () => store.current().compiled.decideAccess(ADMIN) === 'one_factor');
    await writeFile(join(dir, 'b.yaml'), yaml('access: {default: deny}'));
    await within(2_000, () => store.current().policy.access.default === 'deny');
  });

  it('falls back to polling when change events are missed', async () => {
    const dir = await makePolicyDir({ 'a.yaml': rule('deny') });
    const { store } = await open(join(dir, 'later'), { pollMs: 200 });
    expect(store.current().files).toEqual([]);
    // The directory did not exist, so nothing could watch it: only the poll can see this.
    await makePolicyDirAt(join(dir, 'later'), { 'a.yaml': rule('bypass') });
    await within(2_000, () => store.current().compiled.decideAccess(ADMIN) === 'bypass');
  });

  it('keeps the last valid policy when a change is invalid, and says why', async () => {
    const dir = await makePolicyDir({ 'a.yaml': rule('deny') });
    const { store, rejected, reloaded } = await open(dir);
    const version = store.current().version;

    await writeFile(join(dir, 'a.yaml'), rule('allow'));
    await within(2_000, () => store.current().lastError !== null);

    expect(store.current().compiled.decideAccess(ADMIN)).toBe('deny');
    expect(store.current().version).toBe(version);
    expect(store.current().lastError).toEqual([
      `${join(dir, 'a.yaml')}:4:15 access.rules[0].policy: expected one of bypass, one_factor, two_factor, deny`,
    ]);
    expect(rejected).toHaveLength(1);
    expect(reloaded).toEqual([]);

    // The same bad content is refused once, not on every poll.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(rejected).toHaveLength(1);

    await writeFile(join(dir, 'a.yaml'), rule('bypass'));
    await within(2_000, () => store.current().lastError === null);
    expect(store.current().compiled.decideAccess(ADMIN)).toBe('bypass');
  });

  it('reload() re-reads at once and reports the outcome', async () => {
    const dir = await makePolicyDir({ 'a.yaml': rule('deny') });
    const { store } = await open(dir);
    await store.close();
    await writeFile(join(dir, 'a.yaml'), rule('one_factor'));
    expect(await store.reload()).toMatchObject({ ok: true, changed: true });
    expect(store.current().compiled.decideAccess(ADMIN)).toBe('one_factor');
    expect(await store.reload()).toMatchObject({ ok: true, changed: false });
    await writeFile(join(dir, 'a.yaml'), 'access: [');
    expect(await store.reload()).toMatchObject({ ok: false, errors: [expect.objectContaining({ line: 1, col: 10, key: '' })] });
  });

  it('takes a file rewritten in place only once it holds still: never empty, never half-written', async () => {
    const full = (extra: string) => yaml('access:', '  default: one_factor', '  rules:', `    - paths: ["/${extra}/**"]`, '      policy: bypass', '    - paths: ["/admin/**"]', '      policy: deny');
    const dir = await makePolicyDir({ 'a.yaml': full('public') });
    const { store, reloaded } = await open(dir);
    const file = join(dir, 'a.yaml');
    const final = full('status');
    // As `>` or writeFileSync rewrites it: truncated first (empty: the built-in two_factor default),
    // then written in pieces (cut before the deny rule: valid YAML that lets /admin through).
    await writeFile(file, '');
    const reload = store.reload();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await writeFile(file, final.slice(0, final.indexOf('    - paths: ["/admin')));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await writeFile(file, final);
    expect(await reload).toMatchObject({ ok: true, changed: true });
    expect(store.current().compiled.decideAccess(ADMIN)).toBe('deny');
    expect(store.current().policy.access.rules[0]?.paths).toEqual(['/status/**']);
    // One reload, to the finished file: neither the empty nor the cut-off state was ever in force.
    expect(reloaded).toEqual([store.current().version]);
  });

  it('returns the problems instead of a store when the first load fails', async () => {
    const dir = await makePolicyDir({ 'a.yaml': rule('sometimes') });
    const outcome = await createPolicyStore({ dir, clock: new FixedClock() });
    expect(outcome).toMatchObject({ ok: false, lines: [expect.stringMatching(/a\.yaml:4:15 access\.rules\[0\]\.policy: /)] });
  });

  it('stops watching once closed', async () => {
    const dir = await makePolicyDir({ 'a.yaml': rule('deny') });
    const { store } = await open(dir, { pollMs: 100 });
    await store.close();
    await writeFile(join(dir, 'a.yaml'), rule('bypass'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(store.current().compiled.decideAccess(ADMIN)).toBe('deny');
  });
});

async function makePolicyDirAt(dir: string, files: Record<string, string>): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}
