/**
 * Fixed-window counters behind the rate limit, the enumeration budget and the credential
 * throttles (rate-limiter-flexible). Without Redis each process counts for itself; with Redis
 * every process shares one count per key, under a key prefix. When Redis is unreachable a
 * counter either counts nothing (`open`: the rate limit fails open) or counts in this process
 * (`local`: budgets never become unlimited); the outage and the recovery are logged once each.
 * The real clock decides the windows (CONTRACT.md section 1a).
 */
import { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { CounterStore, HealthLog } from "../gateway/counter-store.js";
import type { WindowCount, WindowCounter } from "../gateway/ports.js";

export type { CounterStore, HealthLog, OutageMode } from "../gateway/counter-store.js";

function count(res: RateLimiterRes): WindowCount {
  return { total: res.consumedPoints, msLeft: Math.max(0, res.msBeforeNext) };
}

class LibraryCounter implements WindowCounter {
  constructor(
    readonly limiter: RateLimiterAbstract,
    readonly onError: (err: unknown) => void,
  ) {}

  async add(key: string, points: number): Promise<WindowCount | null> {
    try {
      return count(await this.limiter.consume(key, points));
    } catch (err) {
      // Over the limit is an answer, not a failure: the count is in it.
      if (err instanceof RateLimiterRes) return count(err);
      this.onError(err);
      return null;
    }
  }

  async giveBack(key: string, points: number): Promise<WindowCount | null> {
    try {
      const res = await this.limiter.reward(key, points);
      // Held in a window that has since ended: never let the new window start in credit.
      if (res.consumedPoints < 0) return count(await this.limiter.consume(key, -res.consumedPoints));
      return count(res);
    } catch (err) {
      if (err instanceof RateLimiterRes) return count(err);
      this.onError(err);
      return null;
    }
  }

  async peek(key: string): Promise<WindowCount | null> {
    try {
      const res = await this.limiter.get(key);
      return res ? count(res) : null;
    } catch (err) {
      this.onError(err);
      return null;
    }
  }
}

/** Per process: what every server did before Redis. */
export function memoryCounters(): CounterStore {
  return {
    shared: false,
    counter: (name, limit, windowSeconds) =>
      new LibraryCounter(
        new RateLimiterMemory({ keyPrefix: name, points: limit, duration: windowSeconds }),
        () => undefined,
      ),
    start: () => undefined,
    close: async () => undefined,
  };
}

/**
 * Shared through Redis at `url`; every key starts with `prefix`. Commands never queue while
 * Redis is away (they fail at once, so a request never waits for a reconnect), and the checks
 * a request makes together are pipelined onto one round trip.
 */
export function redisCounters(url: string, prefix: string): CounterStore {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  let log: HealthLog | null = null;
  let down = false;
  let closing = false;
  const outage = (err: unknown) => {
    if (down || closing) return;
    down = true;
    const message = err instanceof Error ? err.message : String(err);
    log?.warn(
      { redis: { error: message.slice(0, 200) } },
      "redis unreachable: rate limits fail open; enumeration budgets and credential throttles count per process",
    );
  };
  client.on("error", outage);
  client.on("close", () => outage(new Error("connection closed")));
  client.on("ready", () => {
    if (!down) return;
    down = false;
    log?.info({}, "redis reachable again: limits and budgets are shared");
  });

  return {
    shared: true,
    counter(name, limit, windowSeconds, mode) {
      const keyPrefix = `${prefix}${name}`;
      const limiter = new RateLimiterRedis({
        storeClient: client,
        keyPrefix,
        points: limit,
        duration: windowSeconds,
        rejectIfRedisNotReady: true,
        ...(mode === "local"
          ? { insuranceLimiter: new RateLimiterMemory({ keyPrefix, points: limit, duration: windowSeconds }) }
          : {}),
      });
      return new LibraryCounter(limiter, outage);
    },
    start(l) {
      log = l;
      client.connect().catch(outage);
    },
    async close() {
      closing = true;
      if (client.status === "ready") await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
