import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SessionManager } from './manager.js';

const CHANNEL = 'recourse:sessions:revoked';
const EVERYTHING = '*';

/**
 * Tells every instance when sessions are revoked, so a logout on one is refused on the others at
 * once (Redis pub/sub). Without Redis, instances notice within the session cache's re-check
 * interval (1 s) instead.
 */
export async function connectRevocationBus(redisUrl: string, sessions: SessionManager, logger: Logger): Promise<{ close(): Promise<void> }> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, enableOfflineQueue: false } as const;
  const publisher = new Redis(redisUrl, options);
  const subscriber = new Redis(redisUrl, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  for (const client of [publisher, subscriber]) client.on('error', (error) => logger.debug({ err: String(error) }, 'revocation bus: redis error'));
  await Promise.all([publisher.connect().catch(() => {}), subscriber.connect().catch(() => {})]);
  await subscriber.subscribe(CHANNEL).catch((error) => logger.warn({ err: String(error) }, 'revocation bus: cannot subscribe; relying on the 1 s re-check'));
  subscriber.on('message', (_channel: string, message: string) => {
    if (message === EVERYTHING) sessions.forgetAll();
    else sessions.forget(message.split(',').filter(Boolean));
  });
  sessions.onRevoked((idHashes) => {
    if (idHashes.length === 0) return;
    publisher.publish(CHANNEL, idHashes.join(',')).catch((error) => logger.warn({ err: String(error) }, 'revocation bus: publish failed; other instances notice within 1 s'));
  });
  return {
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
