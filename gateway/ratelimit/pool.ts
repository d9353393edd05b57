import { RateLimiterMemory, RateLimiterRedis, type IRateLimiterOptions, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisConnection } from './redis-connection.js';
import type { LimiterSpec } from './settings.js';

/**
 * Limiters by settings. rate-limiter-flexible fixes points and durations at construction, so a
 * policy change builds new limiters; their keys stay the same, so Redis counts carry on, and the
 * in-process counts (the memory limiter, or the Redis limiter's insurance) are copied across.
 */
export interface LimiterPool {
  get(spec: LimiterSpec): RateLimiterAbstract;
}

interface Built {
  spec: LimiterSpec;
  limiter: RateLimiterAbstract;
  /** The in-process counts: the limiter itself, or the Redis limiter's insurance. */
  local: RateLimiterMemory;
}

export function createLimiterPool(redis: RedisConnection | null): LimiterPool {
  const bySettings = new Map<string, Built>();
  const latestByPrefix = new Map<string, Built>();

  return {
    get(spec) {
      const cached = bySettings.get(spec.key);
      if (cached) return cached.limiter;
      const options: IRateLimiterOptions = { keyPrefix: spec.keyPrefix, points: spec.points, duration: spec.durationSec };
      const local = redis ? new InsuranceLimiter(options, redis.insuranceUsed) : new RateLimiterMemory(options);
      const previous = latestByPrefix.get(spec.keyPrefix);
      if (previous) {
        local.restore(previous.local.dump());
        bySettings.delete(previous.spec.key);
      }
      const limiter = redis
        ? new RateLimiterRedis({ ...options, storeClient: redis.client, insuranceLimiter: local, rejectIfRedisNotReady: true })
        : local;
      const built = { spec, limiter, local };
      bySettings.set(spec.key, built);
      latestByPrefix.set(spec.keyPrefix, built);
      return limiter;
    },
  };
}

/** Counts in process while Redis is unreachable (SECURITY F1), and says so each time it does. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(options: IRateLimiterOptions, private readonly onUse: () => void) {
    super(options);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>) {
    this.onUse();
    return super.consume(...args);
  }

  override penalty(...args: Parameters<RateLimiterMemory['penalty']>) {
    this.onUse();
    return super.penalty(...args);
  }

  override reward(...args: Parameters<RateLimiterMemory['reward']>) {
    this.onUse();
    return super.reward(...args);
  }

  override get(...args: Parameters<RateLimiterMemory['get']>) {
    this.onUse();
    return super.get(...args);
  }

  override set(...args: Parameters<RateLimiterMemory['set']>) {
    this.onUse();
    return super.set(...args);
  }

  override delete(...args: Parameters<RateLimiterMemory['delete']>) {
    this.onUse();
    return super.delete(...args);
  }
}
