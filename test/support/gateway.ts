import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Storage } from '../../db/client.js';
import { createUser } from '../../db/queries/users.js';
import type { Role, UserType } from '../../db/schema/index.js';
import { loadConfig } from '../../gateway/config/load.js';
import type { Config } from '../../gateway/config/schema.js';
import { FixedClock, systemClock, type Clock } from '../../gateway/core/clock.js';
import { createLogger } from '../../gateway/core/logger.js';
import { hashPassword } from '../../gateway/security/password.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { freePort } from './ports.js';
import { openTestStorage } from './storage.js';
import { startEchoUpstream } from './upstream.js';

export interface TestGatewayOptions {
  storage: Storage;
  /** Policy document(s) written to a fresh policies dir; default: one_factor everywhere. */
  policy?: Record<string, unknown>;
  /** Deep-merged over the test config. */
  config?: Record<string, unknown>;
  clock?: Clock;
  upstream?: string;
  /** The hosts of the apps, one app each, all proxied to `upstream`; default `["*"]`. */
  appHosts?: readonly string[];
  /** Where the gateway logs (default: stdout at `log.level`, silent unless RECOURSE_TEST_LOG). */
  logger?: Logger;
  /** How often live WebSockets are judged again (the gateway's default otherwise). */
  liveSocketRecheckMs?: number;
}

export interface TestGateway {
  url: string;
  config: Config;
  clock: Clock;
  storage: Storage;
  policiesDir: string;
  dir: string;
  running: RunningGateway;
  addUser(input: { email: string; password?: string; role?: Role; type?: UserType; name?: string; dataProtectionLevel?: number; expertMode?: boolean; phone?: string }): Promise<string>;
  writePolicy(policy: Record<string, unknown>, file?: string): void;
  close(): Promise<void>;
}

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** Starts the real gateway on a free loopback port, with a shared test storage and temp dirs. */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-test-'));
  const policiesDir = path.join(dir, 'policies');
  fs.mkdirSync(policiesDir);
  const writePolicy = (policy: Record<string, unknown>, file = 'test.yaml') => fs.writeFileSync(path.join(policiesDir, file), JSON.stringify(policy));
  writePolicy(options.policy ?? { access: { default: 'one_factor' } });
  const port = await freePort();
  const base = {
    server: { listen: `127.0.0.1:${port}`, public_url: `http://127.0.0.1:${port}` },
    session: { secret: TEST_SECRET },
    storage: { data_dir: path.join(dir, 'data') },
    mail: { outbox_dir: path.join(dir, 'outbox') },
    policies: { dir: policiesDir },
    log: { level: process.env.RECOURSE_TEST_LOG ?? 'silent' },
    apps: (options.appHosts ?? ['*']).map((host, i) => ({ name: i === 0 ? 'app' : `app-${i + 1}`, host, upstream: options.upstream ?? 'builtin:demo' })),
  };
  const config = loadConfig({ object: deepMerge(base, options.config ?? {}), env: {}, cwd: dir });
  const clock = options.clock ?? systemClock;
  const running = await startGateway({ config, logger: options.logger ?? createLogger(config.log.level), clock, storage: options.storage,
    ...(options.liveSocketRecheckMs === undefined ? {} : { liveSocketRecheckMs: options.liveSocketRecheckMs }) });
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    clock,
    storage: options.storage,
    policiesDir,
    dir,
    running,
    writePolicy,
    async addUser(input) {
      const outcome = await createUser(options.storage.db, {
        email: input.email, name: input.name ?? '', role: input.role ?? 'user', type: input.type ?? 'user',
        passwordHash: input.password ? await hashPassword(input.password) : null,
        dataProtectionLevel: input.dataProtectionLevel ?? 0, expertMode: input.expertMode ?? false, phone: input.phone ?? null,
      }, clock.now());
      if (!outcome.ok) throw new Error(`test user ${input.email} exists`);
      return outcome.user.id;
    },
    async close() {
      await running.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ProxiedTestGateway {
  storage: Awaited<ReturnType<typeof openTestStorage>>;
  upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  gw: TestGateway;
  /** Closes the gateway, then the upstream, then the storage. */
  close(): Promise<void>;
}

/** A fresh test storage and echo upstream with one gateway proxying to it: the usual per-file fixture. */
export async function startProxiedTestGateway(options: Omit<TestGatewayOptions, 'storage' | 'upstream'> = {}): Promise<ProxiedTestGateway> {
  const storage = await openTestStorage();
  let upstream: ProxiedTestGateway['upstream'] | undefined;
  try {
    upstream = await startEchoUpstream();
    const gw = await startTestGateway({ ...options, storage, upstream: upstream.url });
    const opened = upstream;
    return {
      storage, upstream: opened, gw,
      async close() {
        await gw.close();
        await opened.close();
        await storage.close();
      },
    };
  } catch (error) {
    await upstream?.close();
    await storage.close();
    throw error;
  }
}

export function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] = value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
      ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
      : value;
  }
  return out;
}

export { FixedClock };
