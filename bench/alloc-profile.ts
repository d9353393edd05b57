/**
 * Where a proxied request's memory goes: V8's sampling heap profiler (over the inspector protocol)
 * on the compiled gateway, or on the raw undici proxy, while wrk loads it; bytes per request by
 * the function that allocated them (optimised code counts what it inlined as its own).
 *
 *   node --import tsx bench/alloc-profile.ts [gw|raw] [all|survivors]
 *
 * `survivors` keeps only what outlived a young-generation collection: what the scavenger copies
 * and promotes, which is what a request's GC time grows with (docs/performance.md, issue 25,
 * found 2.8 KB per proxied request there against the raw proxy's 0.56). DATABASE_URL: PostgreSQL
 * storage; without it, embedded. Needs wrk and taskset.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort, startChild } from './child.js';
import { startBenchGateway } from './gateway.js';
import { benchStorage, productionNodeFlags } from './production-flags.js';

interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [target = 'gw', kept = 'all'] = process.argv.slice(2);
if (!['gw', 'raw'].includes(target) || !['all', 'survivors'].includes(kept)) throw new Error('usage: bench/alloc-profile.ts [gw|raw] [all|survivors]');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-alloc-'));
const inspectPort = await freePort();
const inspect = `--inspect=127.0.0.1:${inspectPort}`;
const upstream = await startChild({ name: 'upstream', command: process.execPath, args: ['--import', 'tsx', path.join(HERE, 'upstream.ts')], core: 1, ready: /listening (\d+)/ });
const server = await startServer();
let closeInspector: (() => void) | undefined;
const wrk = (seconds: number) => execFileSync('taskset', ['-c', '0', 'wrk', '-t1', '-c50', `-d${seconds}s`, ...(server.cookie ? ['-H', `cookie: ${server.cookie}`] : []), `${server.url}/some/page`]).toString();

try {
  wrk(3); // warm-up: optimised code allocates differently from the first requests'
  const call = await inspector();
  await call('HeapProfiler.enable');
  const survivorsOnly = kept === 'survivors';
  await call('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMinorGC: !survivorsOnly, includeObjectsCollectedByMajorGC: true });
  const requests = Number(/(\d+) requests in/.exec(wrk(5))![1]);
  const { profile } = await call('HeapProfiler.stopSampling') as { profile: { head: ProfileNode } };
  const bySelf = new Map<string, number>();
  const walk = (node: ProfileNode): number => {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.replace(/^.*\/build\//, '').replace(/^.*node_modules\//, '~/')}:${lineNumber + 1}`;
    bySelf.set(name, (bySelf.get(name) ?? 0) + node.selfSize);
    return node.children.reduce((sum, child) => sum + walk(child), node.selfSize);
  };
  const total = walk(profile.head);
  console.log(`${target}: ${requests} requests, ${(total / requests).toFixed(0)} bytes per request ${survivorsOnly ? 'outlived a minor GC' : 'allocated'} (sampled)`);
  for (const [name, bytes] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${(bytes / requests).toFixed(0).padStart(7)} B  ${name}`);
} finally {
  closeInspector?.();
  await server.stop();
  await upstream.child.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

async function startServer(): Promise<{ url: string; cookie: string; stop(): Promise<void> }> {
  if (target === 'raw') {
    const raw = await startChild({ name: 'raw', command: process.execPath, args: [inspect, '--import', 'tsx', path.join(HERE, 'raw-proxy.ts'), `http://127.0.0.1:${upstream.match[1]}`], core: 1, ready: /listening (\d+)/ });
    return { url: `http://127.0.0.1:${raw.match[1]}`, cookie: '', stop: () => raw.child.stop() };
  }
  const build = path.join(dir, 'build');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(HERE, '../docker/compile.ts'), build], { stdio: 'ignore' });
  return startBenchGateway({ dir: path.join(dir, 'gw'), upstreamPort: Number(upstream.match[1]), core: 1, nodeFlags: [...productionNodeFlags(benchStorage()), inspect], bin: path.join(build, 'gateway/cli/bin.mjs') });
}

/** A call on the server's inspector: one method, its result. */
async function inspector(): Promise<(method: string, params?: object) => Promise<unknown>> {
  const [page] = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json() as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(page!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  closeInspector = () => socket.close();
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on('message', (text) => {
    const message = JSON.parse(String(text)) as { id?: number; result?: unknown };
    if (message.id) waiting.get(message.id)?.(message.result);
  });
  let id = 0;
  return (method, params = {}) => new Promise((resolve) => {
    waiting.set(++id, resolve);
    socket.send(JSON.stringify({ id, method, params }));
  });
}
