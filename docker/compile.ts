/**
 * `npm run build`: compiles gateway/, views/ and db/ to plain ESM JavaScript (default `dist/`),
 * file by file (no bundling), for production: without tsx's loader, whose hooks thread and
 * transform caches cost ~40 MB of RSS, the gateway uses about a fifth less memory. The Docker
 * image runs this build; `npm start` keeps running the sources through tsx, with no build step.
 *
 *   node --import tsx docker/compile.ts [out-dir]      # then: node dist/gateway/cli/bin.mjs serve
 *
 * Uses the esbuild that tsx brings along; nothing here is installed.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
const SOURCES = ['gateway', 'views', 'db'];
if (out === ROOT || SOURCES.some((dir) => `${out}${path.sep}`.startsWith(path.join(ROOT, dir) + path.sep))) {
  throw new Error(`compile.ts: ${out} would overwrite the sources; give a directory of its own`);
}
const esbuild = createRequire(path.join(ROOT, 'node_modules/tsx/package.json'))('esbuild') as typeof import('esbuild');

// Only a directory this script made (or none) is replaced.
const MARKER = '.recourse-build';
if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !fs.existsSync(path.join(out, MARKER))) {
  throw new Error(`compile.ts: ${out} exists and is not a previous build; remove it or choose another directory`);
}
fs.rmSync(out, { recursive: true, force: true });
const sources: string[] = [];
function walk(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(file);
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) sources.push(file);
    else fs.cpSync(file, path.join(out, path.relative(ROOT, file))); // migrations, static assets
  }
}
for (const dir of SOURCES) walk(path.join(ROOT, dir));
await esbuild.build({
  entryPoints: sources, outdir: out, outbase: ROOT, format: 'esm', platform: 'node', target: 'node20',
  jsx: 'automatic', jsxImportSource: 'hono/jsx', logLevel: 'warning',
});
// The same command without tsx's loader.
fs.writeFileSync(path.join(out, 'gateway/cli/bin.mjs'), "const { runCli } = await import('./main.js');\nprocess.exitCode = await runCli(process.argv.slice(2));\n");
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
fs.writeFileSync(path.join(out, MARKER), 'made by docker/compile.ts; replaced by the next build\n');
// Inside the repository, packages resolve from its node_modules; elsewhere through a link to it.
if (!out.startsWith(`${ROOT}${path.sep}`)) fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));
process.stdout.write(`compiled ${sources.length} files to ${out}\n`);
