/**
 * Item 3 of issue 9, checked rather than assumed: a proxied request with a cached session makes no
 * database round trip. Runs the real gateway in-process on an in-memory PGlite whose drizzle logger
 * counts every statement, signs in through the form, then sends proxied requests, eight at a time,
 * for about two seconds. Session statements may appear once per re-check interval (1 s), not per
 * request nor per request in flight; the policy stays one compiled object; the upstream sees no new
 * connections once the keep-alive pool is warm.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_DIR, type Database, type Storage } from '../db/client.js';
import * as schema from '../db/schema/index.js';
import { createUser } from '../db/queries/users.js';
import { loadConfig } from '../gateway/config/load.js';
import { systemClock } from '../gateway/core/clock.js';
import { createLogger } from '../gateway/core/logger.js';
import { hashPassword } from '../gateway/security/password.js';
import { startGateway } from '../gateway/server.js';
import { DEFAULT_RECHECK_MS, REFRESH_AHEAD_AT } from '../gateway/session/manager.js';
import { freePort } from './child.js';
import { BENCH_POLICY } from './policy.js';
import { signIn } from './sign-in.js';

const CONCURRENCY = 8;

export interface HotPathCheck {
  requests: number;
  seconds: number;
  /** Statements during the window, by the table they touch first. */
  statements: Record<string, number>;
  session_statements: number;
  session_statements_per_request: number;
  /** Re-reads due in the window (one per 0.75 s, +1): the most session statements a correct cache may make. */
  allowed_session_statements: number;
  policy_compiled_once: boolean;
  upstream_connections: number;
  pass: boolean;
}

function tableOf(query: string): string {
  // The session re-check joins users and more; whatever it selects, it names the sessions table.
  if (/"sessions"/.test(query)) return 'sessions';
  return /(?:from|into|update)\s+"([a-z_]+)"/i.exec(query)?.[1] ?? query.trim().split(/\s+/)[0]!.toLowerCase();
}

export async function checkHotPath(durationMs = 2_000): Promise<HotPathCheck> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-hotpath-'));
  let counting = false;
  const statements: Record<string, number> = {};
  const client = await PGlite.create('memory://');
  const db = drizzle({
    client, schema,
    logger: { logQuery: (query) => { if (counting) statements[tableOf(query)] = (statements[tableOf(query)] ?? 0) + 1; } },
  }) as unknown as Database;
  await migrate(drizzle({ client, schema }), { migrationsFolder: MIGRATIONS_DIR });
  const storage: Storage = { db, kind: 'embedded', migrate: async () => {}, ping: async () => { await client.query('select 1'); }, close: () => client.close() };

  let connections = 0;
  const upstream = http.createServer((req, res) => res.end('x'.repeat(1024)));
  upstream.on('connection', () => connections++);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;

  const policiesDir = path.join(dir, 'policies');
  fs.mkdirSync(policiesDir);
  fs.writeFileSync(path.join(policiesDir, '10-bench.yaml'), JSON.stringify(BENCH_POLICY));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    env: {}, cwd: dir,
    object: {
      server: { listen: `127.0.0.1:${port}`, public_url: base },
      session: { secret: 'hot-path-check-secret-hot-path-check-secret' },
      storage: { data_dir: path.join(dir, 'data') },
      mail: { outbox_dir: path.join(dir, 'outbox') },
      policies: { dir: policiesDir },
      log: { level: 'silent' },
      apps: [{ name: 'app', host: '*', upstream: `http://127.0.0.1:${upstreamPort}` }],
    },
  });
  const running = await startGateway({ config, logger: createLogger('silent'), clock: systemClock, storage });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const password = 'hot-path-password-1';
    await createUser(db, { email: 'hot@example.com', name: 'Hot', role: 'user', type: 'user', passwordHash: await hashPassword(password), dataProtectionLevel: 0, expertMode: false, phone: null }, new Date());
    const session = await signIn({ base, prefix: config.server.prefix, email: 'hot@example.com', password, cookieName: config.session.cookie_name });
    if (!session.ok) throw new Error(`hot-path check: sign-in failed (${session.status})`);
    const compiled = running.policies.current().compiled;
    const fetchPage = () => new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/some/page', agent, headers: { cookie: session.cookie } }, (res) => {
        res.resume();
        res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`hot-path check: proxied request answered ${res.statusCode}`))));
      }).once('error', reject);
    });
    await Promise.all(Array.from({ length: CONCURRENCY }, fetchPage)); // fills the cache and both pools
    connections = 0;
    counting = true;
    const started = performance.now();
    let requests = 0;
    // Several requests in flight at once, so a re-check that is not shared shows up as one query each.
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - started < durationMs) {
        await fetchPage();
        requests++;
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    counting = false;
    const sessionStatements = (statements.sessions ?? 0) + (statements.users ?? 0) + (statements.obligations ?? 0);
    // A busy session is re-read once per refresh-ahead interval (gateway/session/manager.ts), +1.
    const allowed = Math.ceil((seconds * 1000) / (DEFAULT_RECHECK_MS * REFRESH_AHEAD_AT)) + 1;
    const policyCompiledOnce = running.policies.current().compiled === compiled;
    return {
      requests, seconds, statements, session_statements: sessionStatements,
      session_statements_per_request: sessionStatements / requests,
      allowed_session_statements: allowed,
      policy_compiled_once: policyCompiledOnce,
      upstream_connections: connections,
      pass: sessionStatements <= allowed && policyCompiledOnce && connections <= CONCURRENCY,
    };
  } finally {
    agent.destroy();
    await running.close();
    await storage.close();
    upstream.closeAllConnections();
    upstream.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
