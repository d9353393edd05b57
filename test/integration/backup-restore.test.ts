import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Database } from '../../db/client.js';
import { createUser, findUserByEmail } from '../../db/queries/users.js';
import { verifyAuditChain, type ChainCheck } from '../../gateway/audit/verify.js';
import { loadConfig } from '../../gateway/config/load.js';
import { systemClock } from '../../gateway/core/clock.js';
import { createLogger } from '../../gateway/core/logger.js';
import { hashPassword } from '../../gateway/security/password.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, TEST_SECRET } from '../support/gateway.js';
import { createEmptyDatabase, type ThrowawayDatabase } from '../support/pg-databases.js';
import { freePort } from '../support/ports.js';
import { openTestStorage } from '../support/storage.js';

/**
 * docs/deployment.md, "Backup and restore": the guide's commands, read from its fenced blocks and
 * run by `sh` as an operator would paste them, with only the database URL and the data directory's
 * parent replaced by the test's own. What the backup held must come back: users who can sign in,
 * and an audit chain that still verifies.
 */
const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/deployment.md');
const DOC_DATABASE_URL = 'postgres://recourse:secret@db.internal:5432/recourse';
const DOC_DATA_PARENT = '/var/lib/recourse';
const PASSWORD = 'restore me correctly';
// Gateway starts and migrations of embedded storage: minutes on a loaded machine, and nothing here is timed.
const SLOW = 180_000;
const run = promisify(execFile);

/** The commands of the `<!-- deployment:NAME -->` block: continuation lines joined, blank lines dropped. */
function documentedCommands(name: string): string[] {
  const block = new RegExp(`<!-- deployment:${name}:begin -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- deployment:${name}:end -->`).exec(fs.readFileSync(DOC, 'utf8'));
  if (!block) throw new Error(`${DOC}: the sh block between the deployment:${name} markers is missing`);
  return block[1]!.replace(/\\\n\s*/g, '').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}

function substitute(command: string, from: string, to: string): string {
  if (!command.includes(from)) throw new Error(`docs/deployment.md: "${command}" no longer contains "${from}"`);
  return command.replaceAll(from, to);
}

async function sh(command: string, cwd: string): Promise<void> {
  try {
    await run('sh', ['-c', command], { cwd });
  } catch (error) {
    throw new Error(`\`${command}\` failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
}

async function addUser(db: Database, email: string): Promise<void> {
  const outcome = await createUser(db, { email, name: '', role: 'user', type: 'user', passwordHash: await hashPassword(PASSWORD), dataProtectionLevel: 0, expertMode: false, phone: null }, systemClock.now());
  expect(outcome.ok).toBe(true);
}

const tempDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `recourse-${label}-`));
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) console.warn('DATABASE_URL is not set: skipping the PostgreSQL backup and restore test (CI runs it against its PostgreSQL).');

describe.skipIf(!adminUrl)('PostgreSQL: pg_dump and pg_restore as docs/deployment.md shows them', () => {
  const commands = documentedCommands('backup-postgres');
  const dump = commands.find((c) => c.startsWith('pg_dump '))!;
  const restore = commands.find((c) => c.startsWith('pg_restore '))!;
  let source: Awaited<ReturnType<typeof openTestStorage>>;
  let target: ThrowawayDatabase;
  let dumpDir: string;
  let atBackup: ChainCheck;

  /** Runs the guide's restore into the target, then opens it as the gateway would (migrations first). */
  async function restoreTarget() {
    await sh(substitute(restore, DOC_DATABASE_URL, target.url), dumpDir);
    const storage = await openStorage({ databaseUrl: target.url, dataDir: '' });
    await storage.migrate();
    return storage;
  }

  beforeAll(async () => {
    expect(dump && restore, 'the block has a pg_dump and a pg_restore command').toBeTruthy();
    source = await openTestStorage();
    const gw = await startTestGateway({ storage: source });
    await gw.addUser({ email: 'dora@example.com', password: PASSWORD });
    expect((await new TestClient(gw.url).signIn('dora@example.com', 'not the password')).status).not.toBe(303);
    expect((await new TestClient(gw.url).signIn('dora@example.com', PASSWORD)).status).toBe(303);
    await gw.close();
    atBackup = await verifyAuditChain(source.db, TEST_SECRET);
    expect(atBackup).toMatchObject({ ok: true, rows: expect.any(Number) });
    expect(atBackup.rows).toBeGreaterThanOrEqual(2);
    dumpDir = tempDir('dump');
    await sh(substitute(dump, DOC_DATABASE_URL, source.databaseUrl), dumpDir);
    target = await createEmptyDatabase(adminUrl!);
  }, SLOW);
  afterAll(async () => {
    await source?.close();
    await target?.drop();
    if (dumpDir) fs.rmSync(dumpDir, { recursive: true, force: true });
  });

  it('restores into a fresh database where the user signs in and the audit chain verifies', async () => {
    const storage = await restoreTarget();
    try {
      expect(await verifyAuditChain(storage.db, TEST_SECRET)).toEqual(atBackup);
      const gw = await startTestGateway({ storage });
      const res = await new TestClient(gw.url).signIn('dora@example.com', PASSWORD, '/');
      await gw.close();
      expect(res.status).toBe(303);
      const after = await verifyAuditChain(storage.db, TEST_SECRET);
      expect(after.ok).toBe(true);
      expect(after.rows).toBeGreaterThan(atBackup.rows);
    } finally {
      await storage.close();
    }
  }, SLOW);

  it('restores over a database that moved on, leaving exactly what the dump held', async () => {
    const moved = await restoreTarget();
    await addUser(moved.db, 'late@example.com');
    await moved.close();
    const storage = await restoreTarget();
    try {
      expect(await findUserByEmail(storage.db, 'late@example.com')).toBeUndefined();
      expect(await findUserByEmail(storage.db, 'dora@example.com')).toBeDefined();
      expect(await verifyAuditChain(storage.db, TEST_SECRET)).toEqual(atBackup);
    } finally {
      await storage.close();
    }
  }, SLOW);
});

/** The gateway as `recourse serve` runs it on embedded storage: it opens, claims and migrates data_dir. */
async function startEmbedded(root: string, port: number): Promise<RunningGateway & { secret: string }> {
  const config = loadConfig({
    object: {
      server: { listen: `127.0.0.1:${port}`, public_url: `http://127.0.0.1:${port}` },
      storage: { database_url: '', data_dir: './data' },
      session: { secret_file: './data/session.key' },
      mail: { outbox_dir: './data/outbox' },
      policies: { dir: './policies' },
      log: { level: 'silent' },
      apps: [{ name: 'app', host: '*', upstream: 'builtin:demo' }],
    },
    env: {},
    cwd: root,
  });
  // The secret comes from data/session.key, restored with the rest: the audit chain is keyed by it.
  return Object.assign(await startGateway({ config, logger: createLogger('silent') }), { secret: config.session.secret });
}

describe('embedded storage: the stopped gateway\'s data_dir archived and put back as docs/deployment.md shows', () => {
  const [backup, setAside, unpack] = documentedCommands('backup-embedded');
  const dirs: string[] = [];
  afterAll(() => { for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true }); });

  it('brings back the users, sessions, secret and audit chain of the backup, and nothing newer', async () => {
    expect([backup, setAside, unpack].every(Boolean), 'the block has a backup and two restore commands').toBe(true);
    const root = tempDir('embedded');
    const backups = tempDir('backups');
    dirs.push(root, backups);
    const local = (command: string) => substitute(command, DOC_DATA_PARENT, root);
    fs.mkdirSync(path.join(root, 'policies'));
    fs.writeFileSync(path.join(root, 'policies', 'access.yaml'), 'access:\n  default: one_factor\n');
    const port = await freePort();

    let gw = await startEmbedded(root, port);
    await addUser(gw.storage.db, 'ed@example.com');
    const browser = new TestClient(gw.url);
    expect((await browser.signIn('ed@example.com', PASSWORD, '/')).status).toBe(303);
    const atBackup = await verifyAuditChain(gw.storage.db, gw.secret);
    await gw.close();
    await sh(local(backup!), backups);

    // The gateway runs on after the backup: what it writes now is not in the archive.
    gw = await startEmbedded(root, port);
    await addUser(gw.storage.db, 'late@example.com');
    await gw.close();

    await sh(local(setAside!), backups);
    await sh(local(unpack!), backups);
    gw = await startEmbedded(root, port);
    try {
      expect(await findUserByEmail(gw.storage.db, 'late@example.com')).toBeUndefined();
      const check = await verifyAuditChain(gw.storage.db, gw.secret);
      expect(check.ok).toBe(true);
      expect(check.rows).toBeGreaterThanOrEqual(atBackup.rows);
      // The same session.key and sessions table: the browser signed in before the backup still is.
      const app = await browser.request('/');
      expect(app.status).toBe(200);
      expect(await app.text()).toContain('ed@example.com');
      expect((await new TestClient(gw.url).signIn('ed@example.com', PASSWORD, '/')).status).toBe(303);
    } finally {
      await gw.close();
    }
  }, SLOW);
});
