import { createHash } from 'node:crypto';

/**
 * Per-client token buckets (CONTRACT.md: 429 with Retry-After). A client is its bearer token
 * (hashed; tokens are never kept) or, without one, its address. In memory per instance: with N
 * instances behind a balancer the city-wide limit is N times this, which operators size for.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number, private readonly burst: number, private readonly maxClients = 100_000) {}

  /** 0 when allowed; otherwise the seconds to wait. */
  take(authorization: string | undefined, address: string): number {
    const key = authorization ? createHash('sha256').update(authorization).digest('base64url').slice(0, 22) : `ip:${address}`;
    const now = Date.now() / 1000;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }
}
