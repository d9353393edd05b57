/**
 * The Node flags and allocator settings production runs the gateway with, read from the one place
 * each is written, so the bench measures what is deployed: the flags from docker/start.sh (the
 * image's ENTRYPOINT and `npm start` run it), the allocator settings from docker/Dockerfile's ENV
 * (`npm start` repeats them; test/integration/deploy-files.test.ts holds the copies together).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DOCKER = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'docker');
const DOCKERFILE = path.join(DOCKER, 'Dockerfile');
const START_SCRIPT = path.join(DOCKER, 'start.sh');

export type GatewayStorage = 'embedded' | 'postgresql';

/** The storage a bench run gives its gateway: PostgreSQL next to DATABASE_URL when that is set. */
export const benchStorage = (): GatewayStorage => (process.env.DATABASE_URL ? 'postgresql' : 'embedded');

/** The flags of one `NAME="…"` line of docker/start.sh. */
function startScriptFlags(name: string, script: string): string[] {
  const found = new RegExp(`^${name}="([^"]*)"$`, 'm').exec(script);
  if (!found) throw new Error(`docker/start.sh has no ${name}="…" line`);
  return found[1]!.split(/\s+/).filter(Boolean);
}

/** The node flags docker/start.sh gives a gateway on `storage` (EMBEDDED_NODE_FLAGS with embedded storage only). */
export function productionNodeFlags(storage: GatewayStorage, script = fs.readFileSync(START_SCRIPT, 'utf8')): string[] {
  return [...startScriptFlags('NODE_FLAGS', script), ...(storage === 'embedded' ? startScriptFlags('EMBEDDED_NODE_FLAGS', script) : [])];
}

/**
 * The allocator settings docker/Dockerfile's ENV sets (glibc's MALLOC_* and GLIBC_TUNABLES), which
 * decide what argon2id's memory per hash (7 MiB) costs in page faults and resident memory.
 */
export function productionAllocatorEnv(dockerfile = fs.readFileSync(DOCKERFILE, 'utf8')): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name, value] of dockerfile.matchAll(/^(?:ENV)?\s+(MALLOC_[A-Z_]+|GLIBC_TUNABLES)=(\S+?)\s*\\?$/gm)) env[name!] = value!;
  if (Object.keys(env).length === 0) throw new Error('docker/Dockerfile sets no MALLOC_* or GLIBC_TUNABLES in its ENV');
  return env;
}

/** The Node.js major version the image runs (docker/Dockerfile's last `FROM node:<major>…`). */
export function productionNodeMajor(dockerfile = fs.readFileSync(DOCKERFILE, 'utf8')): number {
  const majors = [...dockerfile.matchAll(/^FROM node:(\d+)\S*/gm)].map((m) => Number(m[1]));
  if (majors.length === 0) throw new Error('docker/Dockerfile has no FROM node:<major> line');
  return majors.at(-1)!;
}

/**
 * What a gateway limited to one CPU adds to the production flags (docs/deployment.md, "One CPU"),
 * for the Node.js version `nodeVersion` ("24.22.3"). `--heap-growing-percent=30` holds each step of
 * the old generation's growth to 30 %. Before Node 24, `--single-threaded-gc` too: V8's
 * concurrent-marking threads would compete with the event loop for its one core. From Node 24
 * (V8 13.6) that flag leaves incremental marking to crawl under load: in a probe a mark-compact
 * took ~25 s from start to finish while the heap grew to 150 MB, and RSS peaked at 278–338 MB
 * instead of 160–180 (docs/performance.md, run O). Measured on Node 20, 22 and 24.
 */
export function oneCpuNodeFlags(nodeVersion: string = process.versions.node): string[] {
  const major = Number.parseInt(nodeVersion.replace(/^v/, ''), 10);
  if (!Number.isInteger(major)) throw new Error(`not a Node.js version: ${nodeVersion}`);
  return major < 24 ? ['--single-threaded-gc', '--heap-growing-percent=30'] : ['--heap-growing-percent=30'];
}

/**
 * `flags` with the one-CPU flags added, except an option `flags` already sets: with embedded
 * storage docker/start.sh's own `--heap-growing-percent=20` is the stricter and stays (node takes
 * the last of two).
 */
export function withOneCpuNodeFlags(flags: string[], nodeVersion: string = process.versions.node): string[] {
  const optionOf = (flag: string) => flag.split('=')[0];
  const set = new Set(flags.map(optionOf));
  return [...flags, ...oneCpuNodeFlags(nodeVersion).filter((flag) => !set.has(optionOf(flag)))];
}
