import type { Context } from 'hono';
import type { AppEnv } from '../../http/env.js';

/** Wakes the delivery worker after a committed action queued a message; a failure only delays it. */
export async function pokeDelivery(delivery: { poke(): Promise<void> }, c: Context<AppEnv>): Promise<void> {
  try {
    await delivery.poke();
  } catch (error) {
    // The message is committed in the outbox; the worker's next round sends it.
    c.get('log').warn({ err: String(error) }, 'delivery worker not poked');
  }
}
