import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTreePrivate } from '../../../gateway/cli/private-files.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-private-'));
  dirs.push(dir);
  return dir;
};
const mode = (at: string) => fs.lstatSync(at).mode & 0o777;
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('makeTreePrivate', () => {
  it('takes group and other bits off every directory and file, keeping the owner\'s', () => {
    const root = path.join(tempDir(), 'data');
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'b', 'wal'), 'x');
    fs.writeFileSync(path.join(root, 'tool'), 'x');
    for (const [at, m] of [[root, 0o755], [path.join(root, 'a'), 0o775], [path.join(root, 'a', 'b'), 0o777], [path.join(root, 'a', 'b', 'wal'), 0o666], [path.join(root, 'tool'), 0o755]] as const) fs.chmodSync(at, m);
    const outcome = makeTreePrivate(root, { create: false });
    expect(outcome.ok && outcome.fixed.length).toBe(5);
    expect([root, path.join(root, 'a'), path.join(root, 'a', 'b')].map(mode)).toEqual([0o700, 0o700, 0o700]);
    expect(mode(path.join(root, 'a', 'b', 'wal'))).toBe(0o600);
    expect(mode(path.join(root, 'tool'))).toBe(0o700);
    // Already private: nothing to do.
    expect(makeTreePrivate(root, { create: false })).toEqual({ ok: true, fixed: [] });
  });

  it('leaves symbolic links and what they point to alone', () => {
    const outside = path.join(tempDir(), 'shared.txt');
    fs.writeFileSync(outside, 'x');
    fs.chmodSync(outside, 0o644);
    const root = tempDir();
    fs.symlinkSync(outside, path.join(root, 'link'));
    expect(makeTreePrivate(root, { create: false }).ok).toBe(true);
    expect(mode(outside)).toBe(0o644);
  });

  it('one file is made 0600; a missing path is created 0700 only when asked', () => {
    const dir = tempDir();
    const key = path.join(dir, 'session.key');
    fs.writeFileSync(key, 'secret');
    fs.chmodSync(key, 0o644);
    expect(makeTreePrivate(key, { create: false }).ok).toBe(true);
    expect(mode(key)).toBe(0o600);
    expect(makeTreePrivate(path.join(dir, 'outbox'), { create: false })).toEqual({ ok: true, fixed: [] });
    expect(fs.existsSync(path.join(dir, 'outbox'))).toBe(false);
    expect(makeTreePrivate(path.join(dir, 'data', 'deep'), { create: true }).ok).toBe(true);
    expect(mode(path.join(dir, 'data', 'deep'))).toBe(0o700);
  });
});
