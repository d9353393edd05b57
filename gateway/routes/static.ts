import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';

const require = createRequire(import.meta.url);
const VIEWS_STATIC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views/static');

/** Static assets, read once at start: the stylesheet, htmx and the WebAuthn browser bundle. */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'style.css': { file: () => path.join(VIEWS_STATIC, 'style.css'), type: 'text/css; charset=utf-8' },
  'htmx.min.js': { file: () => packageFile('htmx.org', 'dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
  'webauthn.js': { file: () => packageFile('@simplewebauthn/browser', 'dist/bundle/index.umd.min.js'), type: 'text/javascript; charset=utf-8' },
};

/** A file inside an installed package, found past its `exports` map. */
function packageFile(name: string, file: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!isPackageRoot(dir, name) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, file);
}

function isPackageRoot(dir: string, name: string): boolean {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === name;
  } catch {
    return false;
  }
}

export function staticRoutes() {
  const loaded = new Map<string, { body: Buffer; type: string }>();
  for (const [name, asset] of Object.entries(ASSETS)) {
    try {
      loaded.set(name, { body: fs.readFileSync(asset.file()), type: asset.type });
    } catch {
      // A missing optional bundle only disables that asset.
    }
  }
  for (const name of fs.readdirSync(VIEWS_STATIC)) {
    if (!loaded.has(name) && name.endsWith('.js')) loaded.set(name, { body: fs.readFileSync(path.join(VIEWS_STATIC, name)), type: 'text/javascript; charset=utf-8' });
  }
  const app = new Hono<AppEnv>();
  app.get('/static/:name', (c) => {
    const asset = loaded.get(c.req.param('name'));
    if (!asset) return c.text('Not found', 404);
    return c.body(new Uint8Array(asset.body), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
  });
  return app;
}
