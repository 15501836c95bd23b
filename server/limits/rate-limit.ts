/**
 * Token buckets: `burst` tokens, refilled at `perSecond`; an action takes one (or `cost`) tokens
 * or is refused. One bucket per socket (event floods), or one per key (sign-in attempts per IP and
 * per username, uploads per user) with a bounded number of keys, so a flood of new keys cannot grow
 * memory without bound.
 */

export interface RateOptions {
  perSecond: number;
  burst: number;
  /** Clock in ms (tests inject one). */
  now?: () => number;
}

export interface RateLimiter {
  /** Takes `cost` tokens if there are enough; false (and nothing taken) otherwise. */
  take(cost?: number): boolean;
  /** Milliseconds until `cost` tokens will be there (0 = now). */
  retryAfterMs(cost?: number): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

function check({ perSecond, burst }: RateOptions): void {
  if (!(perSecond > 0 && Number.isFinite(perSecond)))
    throw new Error(`perSecond must be a positive number, got ${perSecond}`);
  if (!(burst >= 1 && Number.isFinite(burst)))
    throw new Error(`burst must be at least 1, got ${burst}`);
}

function refill(b: Bucket, o: Required<RateOptions>): void {
  const t = o.now();
  b.tokens = Math.min(o.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * o.perSecond);
  b.at = t;
}

function takeFrom(b: Bucket, cost: number, o: Required<RateOptions>): boolean {
  refill(b, o);
  if (b.tokens < cost) return false;
  b.tokens -= cost;
  return true;
}

function waitFor(b: Bucket, cost: number, o: Required<RateOptions>): number {
  refill(b, o);
  return b.tokens >= cost ? 0 : Math.ceil(((cost - b.tokens) / o.perSecond) * 1000);
}

const withClock = (o: RateOptions): Required<RateOptions> => ({ now: Date.now, ...o });

export function rateLimiter(options: RateOptions): RateLimiter {
  check(options);
  const o = withClock(options);
  const bucket: Bucket = { tokens: o.burst, at: o.now() };
  return {
    take: (cost = 1) => takeFrom(bucket, cost, o),
    retryAfterMs: (cost = 1) => waitFor(bucket, cost, o),
  };
}

export interface KeyedRateLimiter {
  take(key: string, cost?: number): boolean;
  retryAfterMs(key: string, cost?: number): number;
  /** Keys currently tracked. */
  readonly size: number;
}

/** One bucket per key; beyond `maxKeys` the least recently used are forgotten (full buckets first). */
export function keyedRateLimiter(options: RateOptions & { maxKeys?: number }): KeyedRateLimiter {
  check(options);
  const o = withClock(options);
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, Bucket>();
  const get = (key: string): Bucket => {
    let b = buckets.get(key);
    if (b)
      buckets.delete(key); // re-insert: Map order is recency order
    else b = { tokens: o.burst, at: o.now() };
    buckets.set(key, b);
    if (buckets.size > maxKeys) evict();
    return b;
  };
  const evict = () => {
    for (const [k, b] of buckets) {
      if (buckets.size <= maxKeys) return;
      refill(b, o);
      if (b.tokens >= o.burst) buckets.delete(k); // a full bucket is the same as none
    }
    for (const k of buckets.keys()) {
      if (buckets.size <= maxKeys) return;
      buckets.delete(k);
    }
  };
  return {
    take: (key, cost = 1) => takeFrom(get(key), cost, o),
    retryAfterMs: (key, cost = 1) => waitFor(get(key), cost, o),
    get size() {
      return buckets.size;
    },
  };
}
