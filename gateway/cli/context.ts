import type { Database } from '../../db/client.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../policy/schema.js';

/** What a database command runs with, in the CLI's own process or inside the running gateway. */
export interface CommandContext {
  db: Database;
  config: Config;
  clock: Clock;
  out(line: string): void;
  err(line: string): void;
  /** The policy in force (the running gateway's, or read from policies.dir by the CLI). */
  policies?: { current(): { policy: Policy } };
  /** Cached sessions to drop after a change made outside the request path. */
  forgetSessions?(): void;
}

export type CommandValues = Record<string, string | boolean | undefined>;

export interface DbCommand {
  /** `input`: what was piped to stdin (`--password-stdin`), or the text of the file a command reads. */
  run(ctx: CommandContext, values: CommandValues, input?: string): Promise<number>;
}

/** Exit codes: 0 done, 1 refused (bad input, duplicate…), 2 usage error. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;
