import type { Logger } from 'pino';
import type { Policy } from '../policy/schema.js';
import type { LimitCheck, Limits } from './limits.js';

export interface CreateLimitsOptions {
  redisUrl: string;
  policy: () => Policy;
  logger: Logger;
}

// PLACEHOLDER until the rate-limit module lands: counts nothing.
export async function createLimits(_options: CreateLimitsOptions): Promise<Limits> {
  const ok: LimitCheck = { ok: true };
  return {
    loginAllowed: async () => ok,
    loginFailed: async () => ({ banned: false, retryAfterMs: 0 }),
    loginSucceeded: async () => {},
    secondFactorAllowed: async () => ok,
    secondFactorFailed: async () => ok,
    secondFactorSucceeded: async () => {},
    consume: async () => ok,
    close: async () => {},
  };
}
