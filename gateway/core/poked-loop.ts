/**
 * A background loop that works off a queue in rounds: poked when someone has just queued work,
 * and every `pollMs` for work left by a crash or another instance. One round runs at a time; a
 * poke during a round asks for one more round after it. Used by the delivery worker (the
 * outbox) and the assistance worker (requests answered before their account work).
 */
export interface PokedLoop {
  /** Runs a round now (or after the running one); resolves when no round is left to run. */
  poke(): Promise<void>;
  /** Stops polling and waits for the running round. */
  stop(): Promise<void>;
  /** True once stop() was called: a round checks it between items. */
  readonly stopped: boolean;
}

export interface PokedLoopOptions {
  /** One round; resolves true when it stopped with work still queued (a full batch). */
  round: () => Promise<boolean>;
  pollMs: number;
  /** A round that threw; the next poke or poll tries again. */
  onError: (error: unknown) => void;
}

export function startPokedLoop(options: PokedLoopOptions): PokedLoop {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function drain(): Promise<void> {
    do {
      again = false;
      if (await options.round()) again = true;
    } while (again && !stopped);
  }

  function poke(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = drain()
      .catch(options.onError)
      .finally(() => { running = null; });
    return running;
  }

  const timer = setInterval(() => void poke(), options.pollMs);
  timer.unref();
  return {
    poke,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    get stopped() {
      return stopped;
    },
  };
}
