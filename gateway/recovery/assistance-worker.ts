import type { Logger } from 'pino';
import { startPokedLoop, type PokedLoop } from '../core/poked-loop.js';
import { oneLine } from '../delivery/templates/index.js';
import { processNextAssistanceRequest, type IntakeDeps } from './assistance-intake.js';

export interface AssistanceWorkerOptions extends IntakeDeps {
  logger: Logger;
  /** Wakes the delivery worker once alerts are committed to the outbox. */
  delivery: { poke(): Promise<void> };
  /** How often waiting requests are looked for when nobody pokes (one left by a crash, another instance's). */
  pollMs?: number;
}

/**
 * Does the account work of assistance requests after their answer (assistance-intake.ts): poked
 * by the route as soon as a request is recorded, and every few seconds for any left waiting.
 * Safe to run in every instance at once.
 */
export function startAssistanceWorker(options: AssistanceWorkerOptions) {
  const log = options.logger.child({ component: 'assistance' });
  const loop: PokedLoop = startPokedLoop({
    pollMs: options.pollMs ?? 5_000,
    onError: (error) => log.warn({ err: String(error) }, 'assistance requests could not be processed; will retry'),
    async round() {
      for (let intake = await processNextAssistanceRequest(options); intake !== 'none' && !loop.stopped; intake = await processNextAssistanceRequest(options)) {
        if (intake === 'taken') continue;
        log.info({
          event: 'assistance.submitted', reference: intake.reference, matched: intake.userId !== null,
          notified: intake.notified.length, flags: intake.flags,
        }, 'assistance request recorded');
        if (intake.notified.length === 0) log.warn({ event: 'assistance.unnotified', reference: intake.reference }, 'no administrator may be notified of assistance requests');
        else void options.delivery.poke().catch((error: unknown) => log.error({ err: oneLine(String(error)) }, 'delivery worker poke failed'));
      }
      return false;
    },
  });
  return {
    /** Process waiting requests now; resolves when none is left (tests wait on it). */
    poke: loop.poke,
    stop: loop.stop,
  };
}

export type AssistanceWorker = ReturnType<typeof startAssistanceWorker>;
