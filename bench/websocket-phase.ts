/**
 * WebSockets (issue 25 item 4): echo messages/s through the gateway against a raw Node TCP relay
 * (the Node ceiling) and nginx (the C ceiling), rounds alternating, medians compared; then 1,000
 * idle sockets held through the gateway for a minute and its RSS growth.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned, runCommand, startChild } from './child.js';
import { rssMb } from './proc.js';
import { median, ratioCheck, type Check } from './report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WS_CONNECTIONS = 50;
const IDLE_SOCKETS = 1_000;
const IDLE_SECONDS = Number(process.env.BENCH_WS_IDLE_SECONDS ?? 60);
export const WS_ECHO_RATIO_FLOOR = 0.8;
export const IDLE_RSS_GROWTH_LIMIT_MB = 50;

export interface WebSocketTarget { name: string; url: string; cookie: string }

export interface WebSocketPhaseResult {
  echo: Array<{ name: string; messages_per_second: number[]; median: number }>;
  idle: { sockets: number; seconds: number; rss_before_mb: number; rss_open_mb: number; rss_end_mb: number; growth_mb: number };
  checks: Check[];
}

// The path the HTTP rounds proxy, allowed for the bench's signed-in user.
const wsUrl = (http: string) => `${http.replace(/^http/, 'ws')}/some/page`;

async function echoRound(target: WebSocketTarget, seconds: number, core: number | undefined): Promise<number> {
  const [command, args] = pinned(core, process.execPath, ['--import', 'tsx', path.join(HERE, 'ws-load.ts'), wsUrl(target.url), target.cookie, String(WS_CONNECTIONS), String(seconds)]);
  const { code, stdout, stderr } = await runCommand(command, args, { cwd: path.join(HERE, '..') });
  if (code !== 0) throw new Error(`ws-load against ${target.name} failed: ${stderr.trim()}`);
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { messages: number; seconds: number };
  return result.messages / result.seconds;
}

export async function websocketPhase(options: {
  targets: WebSocketTarget[]; gatewayPid: number; rounds: number; seconds: number; loadCore: number | undefined; say(line: string): void;
}): Promise<WebSocketPhaseResult> {
  const { targets, say } = options;
  const rounds = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (const target of targets) await echoRound(target, 2, options.loadCore);
  for (let round = 0; round < options.rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const target of order) {
      const mps = await echoRound(target, options.seconds, options.loadCore);
      rounds.get(target.name)!.push(mps);
      say(`  round ${round + 1} ${target.name.padEnd(22)} ${mps.toFixed(0).padStart(7)} echo messages/s`);
    }
  }
  const echo = targets.map((t) => ({ name: t.name, messages_per_second: rounds.get(t.name)!, median: median(rounds.get(t.name)!) }));

  const gateway = targets[0]!;
  say(`  holding ${IDLE_SOCKETS} idle WebSockets through the gateway for ${IDLE_SECONDS} s…`);
  const rssBefore = rssMb(options.gatewayPid);
  const holder = await startChild({
    name: 'ws-idle', command: process.execPath, cwd: path.join(HERE, '..'), core: options.loadCore, ready: /open (\d+)/, timeoutMs: 120_000,
    args: ['--import', 'tsx', path.join(HERE, 'ws-load.ts'), wsUrl(gateway.url), gateway.cookie, String(IDLE_SOCKETS), 'hold'],
  });
  const rssOpen = rssMb(options.gatewayPid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const rssEnd = rssMb(options.gatewayPid);
  await holder.child.stop();
  const idle = { sockets: Number(holder.match[1]), seconds: IDLE_SECONDS, rss_before_mb: rssBefore, rss_open_mb: rssOpen, rss_end_mb: rssEnd, growth_mb: rssEnd - rssBefore };
  say(`  ${idle.sockets} sockets: RSS ${rssBefore.toFixed(1)} → ${rssOpen.toFixed(1)} (open) → ${rssEnd.toFixed(1)} MB after ${IDLE_SECONDS} s`);

  const byName = (name: string) => echo.find((e) => e.name === name)?.median;
  const checks: Check[] = [
    ratioCheck('WebSocket echo gateway / raw TCP relay msg/s', byName(gateway.name), byName('raw TCP relay'), '>=', WS_ECHO_RATIO_FLOOR,
      byName('nginx WebSocket') === undefined ? 'nginx not installed' : `nginx: gateway × ${((byName(gateway.name) ?? NaN) / byName('nginx WebSocket')!).toFixed(2)}`),
    {
      name: `${IDLE_SOCKETS} idle WebSockets for ${IDLE_SECONDS} s: RSS growth MB`, value: idle.growth_mb, target: `< ${IDLE_RSS_GROWTH_LIMIT_MB}`,
      pass: idle.sockets === IDLE_SOCKETS && idle.growth_mb < IDLE_RSS_GROWTH_LIMIT_MB,
    },
  ];
  return { echo, idle, checks };
}
