/**
 * `npm run build` (docker/compile.ts), which the Docker image runs: the compiled gateway starts
 * with the production node flags and allocator settings, renders its pages, serves its static assets, takes a CLI command
 * through the admin socket, signs a user in and proxies to the app, without tsx; drizzle-orm comes from the build's bundle.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionAllocatorEnv, productionNodeFlags } from '../../bench/production-flags.js';
import { TestClient } from '../support/client.js';
import { cleanUp, ROOT, runCli, startServe, writeInstall, type Install, type ServeChild } from './child.js';

const SLOW = 180_000;
const P = '/.recourse';
const PASSWORD = 'compiled build password 1';
// Inside the repository, as `dist/` is: packages resolve from its node_modules.
const OUT = path.join(ROOT, `.build-test-${randomBytes(4).toString('hex')}`);
const BIN = path.join(OUT, 'gateway/cli/bin.mjs');

describe('the compiled build', () => {
  let install: Install;
  let serve: ServeChild;

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'docker/compile.ts', OUT], { cwd: ROOT });
    install = await writeInstall();
    serve = await startServe(install, { bin: BIN, nodeFlags: productionNodeFlags('embedded'), env: productionAllocatorEnv() });
  }, SLOW);
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
    await cleanUp();
    fs.rmSync(OUT, { recursive: true, force: true });
  }, SLOW);

  it('holds no TypeScript and does not load tsx', () => {
    expect(fs.existsSync(path.join(OUT, 'gateway/app.js'))).toBe(true);
    expect(fs.existsSync(path.join(OUT, 'db/migrations/0000_init.sql'))).toBe(true);
    const sources = fs.readdirSync(OUT, { recursive: true, encoding: 'utf8' }).filter((file) => /\.tsx?$/.test(file) && !file.startsWith('node_modules'));
    expect(sources).toEqual([]);
    expect(fs.readFileSync(BIN, 'utf8')).not.toContain('tsx');
  });

  it('bundles drizzle-orm into its own node_modules, where Node finds it before the installed one', async () => {
    const dir = path.join(OUT, 'node_modules/drizzle-orm');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports: Record<string, string> };
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './node-postgres', './node-postgres/migrator', './pg-core', './pglite', './pglite/migrator']);
    // The installed package.json is ~180 KB of exports, parsed again per file by Node 22 and later.
    expect(fs.statSync(path.join(dir, 'package.json')).size).toBeLessThan(1_000);
    const resolve = "console.log(import.meta.resolve('drizzle-orm/pg-core'))";
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', resolve], { cwd: path.join(OUT, 'db') });
    expect(stdout.trim()).toBe(pathToFileURL(path.join(dir, manifest.exports['./pg-core']!)).href);
  });

  it('renders the sign-in page with its assets', async () => {
    const client = new TestClient(install.url);
    const { res, html } = await client.page(`${P}/login`);
    expect(res.status).toBe(200);
    expect(html).toContain('name="password"');
    for (const asset of ['htmx.min.js', 'style.css']) {
      const file = await fetch(`${install.url}${P}/static/${asset}`);
      expect(file.status, asset).toBe(200);
      expect((await file.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
  });

  it('adds a user from the compiled CLI, who signs in and reaches the app', async () => {
    const added = await runCli(['user', 'add', '--email', 'built@example.com', '--password-stdin', '--config', install.configFile], { input: `${PASSWORD}\n`, bin: BIN });
    expect(added.code, added.stderr).toBe(0);
    const client = new TestClient(install.url);
    expect((await client.signIn('built@example.com', PASSWORD, '/')).status).toBe(303);
    const app = await client.request('/');
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('built@example.com');
  });
});
