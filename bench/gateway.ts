import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'yaml';
import { freePort, runCommand, startChild, type Child } from './child.js';
import { BENCH_POLICY } from './policy.js';
import { productionAllocatorEnv } from './production-flags.js';
import { signIn } from './sign-in.js';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const BIN = path.join(ROOT, 'gateway/cli/bin.mjs');
// MaxMind's fake test databases committed with the tests (test/fixtures/geoip/README.md).
const GEOIP_DIR = process.env.BENCH_GEOIP_DIR ?? path.join(ROOT, 'test/fixtures/geoip');
export const PREFIX = '/.recourse';
export const COOKIE_NAME = 'recourse_session';

/** process.memoryUsage() of the gateway as its Prometheus metrics report it (MB). */
export interface GatewayMemory {
  heap_used_mb: number;
  heap_total_mb: number;
  /** Buffers and WebAssembly memory outside the JS heap (embedded PGlite lives there). */
  external_mb: number;
  /** V8 heap spaces' sizes: new_space is the young generation (semi-spaces). */
  heap_spaces_mb: Record<string, number>;
}

export interface BenchGateway {
  child: Child;
  url: string;
  configFile: string;
  email: string;
  password: string;
  /** Cookie header of the signed-in browser (session + CSRF cookie). */
  cookie: string;
  storage: string;
  geoip: string;
  /** Where the gateway's memory sits, from its own Prometheus metrics (MB). */
  memory(): Promise<GatewayMemory>;
  stop(): Promise<void>;
}

// tsx reads tsconfig.json (the JSX settings) from the working directory: run from the repository root.

/**
 * The gateway's environment for the bench and the soak: their own, minus RECOURSE_* overrides that
 * would skew the run, with docker/Dockerfile's allocator settings unless their own environment
 * names them (argon2id's 7 MiB per hash goes back to the system when the hash is done, mapped in
 * huge pages; `GLIBC_TUNABLES= npm run soak` measures glibc's defaults).
 */
export function gatewayEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RECOURSE_')));
  return { ...productionAllocatorEnv(), ...env };
}

/** A fresh database on the server of `adminUrl`, named `<prefix>_<random>`, and how to drop it. */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/** With DATABASE_URL, a fresh database on that server (dropped afterwards); else embedded in the temp dir. */
async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  return adminUrl ? createScratchDatabase(adminUrl, 'recourse_bench') : { url: '', drop: async () => {} };
}

function geoipFiles(): { city_db: string; asn_db: string } | null {
  const city = path.join(GEOIP_DIR, 'GeoIP2-City-Test.mmdb');
  const asn = path.join(GEOIP_DIR, 'GeoLite2-ASN-Test.mmdb');
  return fs.existsSync(city) && fs.existsSync(asn) ? { city_db: city, asn_db: asn } : null;
}

/**
 * The gateway as an operator runs it (`recourse serve --config …`), pinned to one core, in front of
 * the upstream, with the 20-rule policy and GeoIP; then a user made with `recourse user add` and a
 * session from the real login form.
 */
export interface BenchGatewayOptions {
  dir: string;
  upstreamPort: number;
  core?: number;
  nodeFlags?: string[];
  /** Another entry point taking `serve --config …` (a compiled build, say). */
  bin?: string;
  /** More environment for the gateway process (and `recourse user add`). */
  env?: Record<string, string>;
  /** Embedded storage even when DATABASE_URL is set. */
  storage?: 'embedded';
  /** A second app on this host, the same upstream, with a signed identity assertion (CONTRACT §8.2). */
  assertionHost?: string;
}

export async function startBenchGateway(options: BenchGatewayOptions): Promise<BenchGateway> {
  const { dir } = options;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const policiesDir = path.join(dir, 'policies');
  fs.mkdirSync(policiesDir, { recursive: true });
  fs.writeFileSync(path.join(policiesDir, '10-bench.yaml'), stringify(BENCH_POLICY));
  const database = options.storage === 'embedded' ? { url: '', drop: async () => {} } : await benchDatabase();
  const geoip = geoipFiles();
  const config = {
    server: { listen: `127.0.0.1:${port}`, public_url: url, prefix: PREFIX, trust_proxy: ['127.0.0.1/32'] },
    session: { secret_file: path.join(dir, 'session.key'), cookie_name: COOKIE_NAME },
    storage: { database_url: database.url, data_dir: path.join(dir, 'data') },
    mail: { outbox_dir: path.join(dir, 'outbox') },
    ...(geoip ? { geoip } : {}),
    policies: { dir: policiesDir },
    log: { level: 'warn' },
    apps: [
      ...(options.assertionHost ? [{ name: 'signed', host: options.assertionHost, upstream: `http://127.0.0.1:${options.upstreamPort}`, identity: { assertion: { header: 'X-Recourse-Assertion' } } }] : []),
      { name: 'app', host: '*', upstream: `http://127.0.0.1:${options.upstreamPort}` },
    ],
  };
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, stringify(config));

  const env = { ...gatewayEnv(), ...options.env };
  const { child } = await startChild({
    name: 'gateway', command: process.execPath, args: [...(options.nodeFlags ?? []), options.bin ?? BIN, 'serve', '--config', configFile],
    // tsx takes the JSX settings from the tsconfig.json of the working directory: that of the bin's tree.
    core: options.core, ready: /Recourse is running at/, env, cwd: options.bin ? path.resolve(path.dirname(options.bin), '../..') : ROOT, timeoutMs: 120_000,
  });
  const stop = async () => {
    await child.stop();
    await database.drop().catch(() => {});
  };
  try {
    const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
    const password = randomBytes(12).toString('base64url');
    const added = await runCommand(process.execPath, [BIN, 'user', 'add', '--email', email, '--name', 'Bench User', '--password-stdin', '--config', configFile], { input: `${password}\n`, env, cwd: ROOT });
    if (added.code !== 0) throw new Error(`recourse user add failed (${added.code}): ${added.stderr.trim()}`);
    const session = await signIn({ base: url, prefix: PREFIX, email, password, cookieName: COOKIE_NAME });
    if (!session.ok) throw new Error(`sign-in through the login form failed (status ${session.status})\n${child.stdout().trim()}\n${child.stderr().trim()}`);
    return {
      child, url, configFile, email, password, cookie: session.cookie,
      storage: database.url ? 'postgresql' : 'embedded (PGlite)',
      geoip: geoip ? `${path.basename(geoip.city_db)}, ${path.basename(geoip.asn_db)}` : 'not configured (test databases missing)',
      memory: () => readMemory(`${url}${PREFIX}/metrics`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function readMemory(metricsUrl: string): Promise<GatewayMemory> {
  const text = await (await fetch(metricsUrl)).text();
  const mb = (name: string) => Number(new RegExp(`^recourse_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 1024 / 1024;
  const heap_spaces_mb: Record<string, number> = {};
  for (const [, space, bytes] of text.matchAll(/^recourse_nodejs_heap_space_size_total_bytes\{space="([a-z_]+)"\} (\S+)$/gm)) {
    heap_spaces_mb[space!] = Math.round((Number(bytes) / 1024 / 1024) * 10) / 10;
  }
  return { heap_used_mb: mb('nodejs_heap_size_used_bytes'), heap_total_mb: mb('nodejs_heap_size_total_bytes'), external_mb: mb('nodejs_external_memory_bytes'), heap_spaces_mb };
}
