import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { CommandContext, CommandValues, DbCommand } from './context.js';

/**
 * Embedded PGlite is single-process: while the gateway runs it owns the data directory, and the
 * CLI's database commands travel to it over a Unix socket inside that (0700) directory.
 */
export function adminSocketPath(dataDir: string): string {
  return path.join(dataDir, 'recourse.sock');
}

interface SocketRequest { command: string; values: CommandValues; stdin?: string }
interface SocketAnswer { exitCode: number; stdout: string[]; stderr: string[] }

export async function serveAdminSocket(
  socketPath: string,
  commands: Record<string, DbCommand>,
  context: Omit<CommandContext, 'out' | 'err'>,
): Promise<{ close(): Promise<void> }> {
  if (await isAlive(socketPath)) throw new Error(`another gateway is running on this data directory (${socketPath})`);
  fs.rmSync(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', async () => {
      const answer: SocketAnswer = { exitCode: 1, stdout: [], stderr: [] };
      try {
        const request = JSON.parse(body) as SocketRequest;
        const command = commands[request.command];
        if (!command) throw new Error(`unknown command: ${request.command}`);
        answer.exitCode = await command.run({ ...context, out: (l) => answer.stdout.push(l), err: (l) => answer.stderr.push(l) }, request.values, request.stdin);
      } catch (error) {
        answer.stderr.push(`recourse: ${(error as Error).message}`);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    close: () => new Promise<void>((resolve) => server.close(() => { fs.rmSync(socketPath, { force: true }); resolve(); })),
  };
}

/** Sends a command to the running gateway; undefined when no gateway answers on the socket. */
export async function sendToGateway(socketPath: string, request: SocketRequest): Promise<SocketAnswer | undefined> {
  if (!fs.existsSync(socketPath)) return undefined;
  return new Promise((resolve) => {
    const req = http.request({ socketPath, method: 'POST', path: '/command', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as SocketAnswer);
        } catch {
          resolve({ exitCode: 1, stdout: [], stderr: ['recourse: the running gateway gave an unreadable answer'] });
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.end(JSON.stringify(request));
  });
}

function isAlive(socketPath: string): Promise<boolean> {
  if (!fs.existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = http.request({ socketPath, method: 'GET', path: '/ping' }, (res) => { res.resume(); resolve(true); });
    req.on('error', () => resolve(false));
    req.end();
  });
}
