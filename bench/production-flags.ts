/**
 * The Node flags (docker/Dockerfile's ENTRYPOINT) and allocator settings (its ENV) production runs
 * the gateway with, read from the one place they are written (`npm start` repeats them and
 * test/integration/deploy-files.test.ts holds the two together), so the bench measures what is
 * deployed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DOCKERFILE = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'docker/Dockerfile');

export function productionNodeFlags(dockerfile = fs.readFileSync(DOCKERFILE, 'utf8')): string[] {
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  if (!entrypoint) throw new Error('docker/Dockerfile has no ENTRYPOINT ["node", …] line');
  const argv = JSON.parse(entrypoint[1]!) as string[];
  if (argv[0] !== 'node') throw new Error(`docker/Dockerfile's ENTRYPOINT does not start node: ${entrypoint[1]}`);
  return argv.slice(1).filter((arg) => arg.startsWith('--'));
}

/**
 * The allocator settings docker/Dockerfile's ENV sets (glibc's MALLOC_* and GLIBC_TUNABLES), which
 * decide what argon2id's 19 MiB per hash costs in page faults and resident memory.
 */
export function productionAllocatorEnv(dockerfile = fs.readFileSync(DOCKERFILE, 'utf8')): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name, value] of dockerfile.matchAll(/^(?:ENV)?\s+(MALLOC_[A-Z_]+|GLIBC_TUNABLES)=(\S+?)\s*\\?$/gm)) env[name!] = value!;
  if (Object.keys(env).length === 0) throw new Error('docker/Dockerfile sets no MALLOC_* or GLIBC_TUNABLES in its ENV');
  return env;
}
