import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
export const hasNginx = fs.existsSync(NGINX_BIN);

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/forward-auth.md');

/**
 * The nginx block of docs/forward-auth.md, verbatim: the test runs the configuration the
 * documentation shows, so the two cannot drift apart.
 */
export function documentedNginxSite(): string {
  const text = fs.readFileSync(DOC, 'utf8');
  const block = /<!-- forward-auth:nginx:begin -->\s*```nginx\n([\s\S]*?)```\s*<!-- forward-auth:nginx:end -->/.exec(text);
  if (!block) throw new Error(`${DOC}: the nginx block between the forward-auth:nginx markers is missing`);
  return block[1]!;
}

/** The documented site with its example addresses replaced by the test's own. */
export function testNginxSite(input: { port: number; gateway: string; upstream: string }): string {
  // The app's server is named by the address the tests connect to (fetch cannot set a Host); every
  // other Host reaches the default server, as it would in production.
  const replacements: Array<[string, string]> = [
    ['listen 80 default_server;', `listen 127.0.0.1:${input.port} default_server;`],
    ['listen 80;', `listen 127.0.0.1:${input.port};`],
    ['server_name app.example.com;', 'server_name 127.0.0.1;'],
    ['http://127.0.0.1:8080', new URL(input.gateway).origin],
    ['http://127.0.0.1:3000', new URL(input.upstream).origin],
  ];
  let site = documentedNginxSite();
  for (const [from, to] of replacements) {
    if (!site.includes(from)) throw new Error(`docs/forward-auth.md: the nginx block no longer contains "${from}"`);
    site = site.replaceAll(from, to);
  }
  return site;
}

export interface RunningNginx {
  url: string;
  port: number;
  dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** The forward-auth guide's site (docs/forward-auth.md) in front of a test gateway and upstream. */
export function startNginx(input: { port: number; gateway: string; upstream: string }): Promise<RunningNginx> {
  return startNginxSite(testNginxSite(input), input.port);
}

/**
 * Debian's nginx as a child process in the foreground serving `site` (a `server { … }` block that
 * listens on `port`), everything it writes (pid, logs, temp files) inside a fresh temp directory.
 */
export async function startNginxSite(site: string, port: number): Promise<RunningNginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-nginx-'));
  const at = (name: string) => path.join(dir, name);
  const root = process.getuid?.() === 0;
  const conf = [
    // Workers run as the master's user; as root, nginx would otherwise switch to `nobody`.
    root ? 'user root;' : '',
    'worker_processes 1;',
    `pid ${at('nginx.pid')};`,
    `lock_file ${at('nginx.lock')};`,
    `error_log ${at('error.log')} info;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${at('access.log')};`,
    `  client_body_temp_path ${at('client_body')};`,
    `  proxy_temp_path ${at('proxy')};`,
    `  fastcgi_temp_path ${at('fastcgi')};`,
    `  uwsgi_temp_path ${at('uwsgi')};`,
    `  scgi_temp_path ${at('scgi')};`,
    site,
    '}',
    '',
  ].join('\n');
  fs.writeFileSync(at('nginx.conf'), conf);

  const child = spawn(NGINX_BIN, ['-p', dir, '-c', at('nginx.conf'), '-e', at('error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const errorLog = () => (fs.existsSync(at('error.log')) ? fs.readFileSync(at('error.log'), 'utf8') : '');

  try {
    await waitForPort(child, port, () => `${stderr}\n${errorLog()}`);
  } catch (error) {
    await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    errorLog,
    async stop() {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(child: ChildProcess, port: number, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${diagnostics()}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 10s:\n${diagnostics()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM is nginx's fast shutdown; SIGKILL if it has not exited after a few seconds. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}
