import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisConnection {
  client: Redis;
  /** Called whenever an insurance limiter answers in Redis's place. */
  insuranceUsed(): void;
  close(): Promise<void>;
}

// Short enough that a sign-in never waits on a dead Redis for long; the insurance answers instead.
const CONNECT_TIMEOUT_MS = 1_000;
const COMMAND_TIMEOUT_MS = 1_000;
/** While Redis is down, how often a PING checks whether it is back (reconnects also tell us). */
const PROBE_INTERVAL_MS = 5_000;

/**
 * The Redis client behind the shared limiters (SECURITY L2). Commands never queue while the
 * connection is down: they fail at once, and each limiter's in-process insurance counts instead
 * (SECURITY F1). An outage is logged once when it starts and once when it ends.
 */
export async function connectRedis(url: string, logger: Logger): Promise<RedisConnection> {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    // Keep reconnecting in the background, backing off to 2 s, so that recovery is noticed.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  const log = logger.child({ component: 'ratelimit', redis: redactUrl(url) });
  let down = false;
  let closing = false;
  let probe: NodeJS.Timeout | undefined;

  const markUp = () => {
    if (closing || !down) return;
    down = false;
    clearInterval(probe);
    log.info('redis reachable again: rate limits are shared through redis');
  };
  const markDown = (reason: string) => {
    if (closing || down) return;
    down = true;
    log.warn({ reason }, 'redis unavailable: rate limits fall back to in-process counters');
    probe = setInterval(() => void client.ping().then(markUp, () => {}), PROBE_INTERVAL_MS);
    probe.unref();
  };
  client.on('error', (error: Error & { code?: string }) => markDown(error.message || error.code || error.name));
  client.on('close', () => markDown('connection closed'));
  client.on('ready', markUp);

  await firstConnection(client, CONNECT_TIMEOUT_MS + 500);
  return {
    client,
    insuranceUsed: () => markDown('a command failed'),
    async close() {
      closing = true;
      clearInterval(probe);
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

/** Waits for the first connection attempt to settle, so that the first requests already share counts. */
function firstConnection(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    client.once('error', done);
  });
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis';
  }
}
