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
const compiled = await esbuild.build({
  entryPoints: sources, outdir: out, outbase: ROOT, format: 'esm', platform: 'node', target: 'node20',
  jsx: 'automatic', jsxImportSource: 'hono/jsx', logLevel: 'warning', metafile: true,
});

/**
 * drizzle-orm, bundled into the build's own node_modules (Node finds it there before the one
 * installed): its package.json carries ~180 KB of `exports`, and Node 22 and later parse it again
 * for each of the ~450 files the gateway loads from it (Node 20 kept it parsed). On Node 24 that
 * made importing it take 1.1–1.5 s and 190–245 MB of heap, which V8 kept as the gateway's resident
 * memory (docs/performance.md, "Run N and the Node versions"). Bundled, it is a handful of files and a small
 * package.json. Only the subpaths the gateway imports are kept; its own dependencies stay external.
 */
async function bundleDrizzle(): Promise<void> {
  const subpaths = new Set<string>();
  for (const output of Object.values(compiled.metafile.outputs)) {
    for (const { path: specifier } of output.imports) if (/^drizzle-orm(\/|$)/.test(specifier)) subpaths.add(specifier);
  }
  if (subpaths.size === 0) return;
  const entryName = (specifier: string) => (specifier === 'drizzle-orm' ? 'index' : specifier.slice('drizzle-orm/'.length).replaceAll('/', '-'));
  const dir = path.join(out, 'node_modules/drizzle-orm');
  await esbuild.build({
    entryPoints: Object.fromEntries([...subpaths].map((specifier) => [entryName(specifier), specifier])),
    outdir: dir, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning',
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [{
      name: 'other-packages-external',
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, (args) => (/^drizzle-orm(\/|$)/.test(args.path) ? undefined : { path: args.path, external: true }));
      },
    }],
  });
  const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/drizzle-orm/package.json'), 'utf8')) as { version: string };
  const exports = Object.fromEntries([...subpaths].sort().map((specifier) => [`.${specifier.slice('drizzle-orm'.length)}`, `./${entryName(specifier)}.js`]));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'drizzle-orm', version: installed.version, type: 'module', exports }, null, 2)}\n`);
}
// The same command without tsx's loader.
fs.writeFileSync(path.join(out, 'gateway/cli/bin.mjs'), "const { runCli } = await import('./main.js');\nprocess.exitCode = await runCli(process.argv.slice(2));\n");
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
fs.writeFileSync(path.join(out, MARKER), 'made by docker/compile.ts; replaced by the next build\n');
await bundleDrizzle();
// Inside the repository, the other packages resolve from its node_modules; elsewhere through a link
// to each of them beside the bundled one.
if (!out.startsWith(`${ROOT}${path.sep}`)) {
  const modules = path.join(out, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (!fs.existsSync(path.join(modules, name))) fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name));
  }
}
process.stdout.write(`compiled ${sources.length} files to ${out}\n`);
