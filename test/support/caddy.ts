import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CADDY_BIN = process.env.CADDY_BIN ?? '/usr/bin/caddy';
export const hasCaddy = fs.existsSync(CADDY_BIN);

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/forward-auth.md');

/** The Caddyfile of docs/forward-auth.md, verbatim, so the test runs what the guide shows. */
export function documentedCaddySite(): string {
  const text = fs.readFileSync(DOC, 'utf8');
  const block = /<!-- forward-auth:caddy:begin -->\s*```caddyfile\n([\s\S]*?)```\s*<!-- forward-auth:caddy:end -->/.exec(text);
  if (!block) throw new Error(`${DOC}: the Caddyfile between the forward-auth:caddy markers is missing`);
  return block[1]!;
}

/** The documented site with its example addresses replaced by the test's own (plain HTTP). */
export function testCaddySite(input: { port: number; gateway: string; upstream: string }): string {
  const replacements: Array<[string, string]> = [
    ['app.example.com {', `http://127.0.0.1:${input.port} {`],
    ['127.0.0.1:8080', new URL(input.gateway).host],
    ['127.0.0.1:3000', new URL(input.upstream).host],
  ];
  let site = documentedCaddySite();
  for (const [from, to] of replacements) {
    if (!site.includes(from)) throw new Error(`docs/forward-auth.md: the Caddyfile no longer contains "${from}"`);
    site = site.replaceAll(from, to);
  }
  return site;
}

export interface RunningCaddy {
  url: string;
  stop(): Promise<void>;
}

/** Debian's Caddy in the foreground with the documented site, no admin API, no automatic HTTPS. */
export async function startCaddy(input: { port: number; gateway: string; upstream: string }): Promise<RunningCaddy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-caddy-'));
  const file = path.join(dir, 'Caddyfile');
  fs.writeFileSync(file, `{\n\tadmin off\n\tauto_https off\n\tstorage file_system ${dir}\n}\n\n${testCaddySite(input)}`);
  const child: ChildProcess = spawn(CADDY_BIN, ['run', '--config', file, '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  const deadline = performance.now() + 15_000;
  while (!(await listening(input.port))) {
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`caddy did not start: ${log.slice(-800)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `http://127.0.0.1:${input.port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}
