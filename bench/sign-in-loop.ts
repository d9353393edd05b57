/**
 * Sign-in load: starts `rate` sign-ins per second through the real login form (a fresh CSRF token
 * each, the right password always: wrong ones would trip login regulation) for `seconds`, without
 * waiting for earlier ones to finish, then prints one JSON line with what happened: per_second is
 * the rate they completed at.
 *
 *   BENCH_PASSWORD=… node --import tsx bench/sign-in-loop.ts <base> <prefix> <cookie name> <email> <rate> <seconds>
 */
import { signIn } from './sign-in.js';

const [base, prefix, cookieName, email, rateText, secondsText] = process.argv.slice(2);
const password = process.env.BENCH_PASSWORD;
if (!base || !prefix || !cookieName || !email || !password) throw new Error('usage: see the header of bench/sign-in-loop.ts');
const rate = Number(rateText ?? 20);
const seconds = Number(secondsText ?? 10);

const latencies: number[] = [];
// When each successful sign-in finished (performance.now()).
const finishedAt: number[] = [];
let failed = 0;
const statuses: Record<string, number> = {};
const inFlight = new Set<Promise<void>>();

async function one(): Promise<void> {
  const started = performance.now();
  try {
    const outcome = await signIn({ base: base!, prefix: prefix!, email: email!, password: password!, cookieName: cookieName! });
    statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
    if (!outcome.ok) {
      failed++;
      return;
    }
    finishedAt.push(performance.now());
    latencies.push(finishedAt.at(-1)! - started);
  } catch {
    failed++;
  }
}

process.stdout.write('started\n');
const began = performance.now();
const total = Math.round(rate * seconds);
for (let i = 0; i < total; i++) {
  // Open loop: each sign-in starts on schedule, however long the previous ones take.
  const due = began + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const task = one().finally(() => inFlight.delete(task));
  inFlight.add(task);
}
await Promise.all(inFlight);
const elapsed = (performance.now() - began) / 1000;
// The rate sign-ins completed at, first to last completion (pushed in that order): succeeded /
// elapsed would count the last one's latency as lost time, and read 18.6/s for a gateway keeping
// pace 1.4 s behind.
const perSecond = finishedAt.length < 2 ? 0 : ((finishedAt.length - 1) * 1000) / (finishedAt.at(-1)! - finishedAt[0]!);
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
process.stdout.write(`${JSON.stringify({ attempted: total, succeeded: latencies.length, failed, statuses, seconds: elapsed, per_second: perSecond, p50_ms: at(0.5), p99_ms: at(0.99) })}\n`);
