// Attack (issue 32, finding 12): storage.data_dir already existed with mode 0755 (the Docker image
// creates /data so), PGlite wrote its WAL 0666, and another local user read an email out of it.
// SECURITY P1: the real `recourse serve` on embedded storage makes the directory 0700 and every
// file under it 0600 at start, whatever was there, keeps the files it creates afterwards private,
// does the same for the session key and the mail outbox, and refuses to start, in one line naming
// the key and the path, when the directory is another user's and cannot be made private.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { cleanUp, runCli, startServe, writeInstallFrom } from './child.js';

const SECRET = 'private-files-secret-private-files-secret-0123';
const mode = (at: string) => fs.statSync(at).mode & 0o777;

/** Every path under `dir` (itself included) whose mode lets group or others in. */
function shared(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    const stats = fs.lstatSync(at);
    if (stats.isSymbolicLink()) return;
    if ((stats.mode & 0o077) !== 0) found.push(`${at} ${(stats.mode & 0o777).toString(8)}`);
    if (stats.isDirectory()) for (const name of fs.readdirSync(at)) walk(path.join(at, name));
  };
  walk(dir);
  return found;
}

afterAll(async () => {
  await cleanUp();
});

describe('the gateway\'s files are private from other local users', () => {
  it('a 0755 data directory with 0644 files, a 0644 key and outbox: all private after start, and what it writes next too', async () => {
    const install = await writeInstallFrom({});
    const data = path.join(install.dir, 'data');
    fs.mkdirSync(path.join(data, 'old', 'nested'), { recursive: true, mode: 0o755 });
    for (const dir of [data, path.join(data, 'old'), path.join(data, 'old', 'nested')]) fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(data, 'old', 'nested', 'leftover.txt'), 'an email address', { mode: 0o644 });
    fs.writeFileSync(path.join(data, 'session.key'), `${SECRET}\n`, { mode: 0o644 });
    const outbox = path.join(data, 'outbox');
    fs.mkdirSync(outbox, { mode: 0o755 });
    fs.chmodSync(outbox, 0o755);
    fs.writeFileSync(path.join(outbox, 'earlier.eml'), 'Subject: your code', { mode: 0o644 });
    fs.chmodSync(path.join(outbox, 'earlier.eml'), 0o644);
    expect(mode(data)).toBe(0o755);

    const serve = await startServe(install);
    expect(mode(data)).toBe(0o700);
    expect(mode(path.join(data, 'old', 'nested', 'leftover.txt'))).toBe(0o600);
    expect(mode(path.join(data, 'session.key'))).toBe(0o600);
    expect(mode(outbox)).toBe(0o700);
    expect(mode(path.join(outbox, 'earlier.eml'))).toBe(0o600);
    // PGlite's own files, written after the start (migrations, the first-start setup link, a sign-in attempt).
    await new TestClient(install.url).signIn('nobody@example.com', 'not the password');
    expect(fs.existsSync(path.join(data, 'pgdata'))).toBe(true);
    expect(shared(data)).toEqual([]);
    expect(await serve.stop()).toBe(0);
    expect(shared(data)).toEqual([]);
  }, 180_000);

  // Only root can hand a directory to another user (and run the gateway as that user).
  it.skipIf(process.getuid?.() !== 0)('refuses to start, in one line, when the data directory is another user\'s', async () => {
    const install = await writeInstallFrom({ session: { secret: SECRET } });
    fs.chmodSync(install.dir, 0o755);
    const data = path.join(install.dir, 'data');
    fs.mkdirSync(data, { mode: 0o755 });
    fs.chmodSync(data, 0o755);
    const nobody = 65534;
    const started = await runCli(['serve', '--config', install.configFile], { uid: nobody, gid: nobody });
    expect(started.code).toBe(1);
    const lines = started.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^storage\\.data_dir: ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is readable by other users \\(mode 0755, owned by uid 0\\) and cannot be made private: EPERM$`));
    expect(fs.readdirSync(data)).toEqual([]);
    expect(mode(data)).toBe(0o755);
  }, 120_000);
});
