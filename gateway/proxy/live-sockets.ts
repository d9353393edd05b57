import type { Logger } from 'pino';
import type { SessionManager } from '../session/manager.js';
import type { SessionView } from '../session/store.js';
import type { RequestDecision } from './decide.js';

/**
 * How often every live WebSocket's session is judged again. With the session cache's 1 s
 * re-check (session/manager.ts) a session ended anywhere (logout, sign out everywhere, a disabled
 * user, a second factor reset, expiry; on this instance or another, with or without the Redis bus)
 * closes its sockets within ~3 s, inside CONTRACT §8.1's 5 s.
 */
export const LIVE_SOCKET_RECHECK_MS = 2_000;

export interface LiveSocket {
  app: string;
  /** The session cookie the handshake carried. */
  cookie: string | undefined;
  /** The access decision again, for the session as it is now. */
  decide(session: SessionView | null): RequestDecision;
  /** Ends the relay (both sockets). */
  close(reason: string): void;
}

export interface LiveSocketsDeps {
  sessions: Pick<SessionManager, 'resolve' | 'onForgotten'>;
  logger: Logger;
  recheckMs?: number;
  opened?(app: string): void;
  closed?(app: string): void;
}

/**
 * The WebSockets relayed now. A handshake was judged once; the connection lives on, so it is judged
 * again while it lasts: when its session ends or the decision no longer allows it, it is closed.
 * A revocation this instance learns of (its own, or another's over the Redis bus) triggers a check
 * at once; the timer catches the rest (the CLI, an instance without Redis, expiry, a changed policy).
 */
export function createLiveSockets(deps: LiveSocketsDeps) {
  const live = new Set<LiveSocket>();
  const recheckMs = deps.recheckMs ?? LIVE_SOCKET_RECHECK_MS;
  let timer: NodeJS.Timeout | undefined;
  let checking = false;
  // A revocation that arrives during a check may have missed it: one more check follows.
  let again = false;

  async function judgeAgain(socket: LiveSocket): Promise<void> {
    let decision: RequestDecision;
    try {
      decision = socket.decide(await deps.sessions.resolve(socket.cookie));
    } catch (error) {
      // The session store cannot say: fail closed, as a request would (503).
      deps.logger.warn({ err: String(error), app: socket.app }, 'session re-check failed; closing the WebSocket');
      decision = { kind: 'unavailable' };
    }
    if (decision.kind !== 'allow' && live.has(socket)) socket.close(decision.kind);
  }

  async function checkAll(): Promise<void> {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        await Promise.all([...live].map(judgeAgain));
      } while (again);
    } finally {
      checking = false;
    }
  }

  deps.sessions.onForgotten(() => void checkAll());

  return {
    /** Starts watching a relayed socket; the returned function stops (call it once the socket closed). */
    track(socket: LiveSocket): () => void {
      live.add(socket);
      deps.opened?.(socket.app);
      if (!timer) {
        timer = setInterval(() => void checkAll(), recheckMs);
        timer.unref();
      }
      return () => {
        if (!live.delete(socket)) return;
        deps.closed?.(socket.app);
        if (live.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    size: () => live.size,
    /** At shutdown: every relay ends, so the server can close. */
    closeAll(): void {
      for (const socket of [...live]) socket.close('shutdown');
    },
  };
}

export type LiveSockets = ReturnType<typeof createLiveSockets>;
