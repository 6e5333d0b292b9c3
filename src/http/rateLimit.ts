/**
 * Per-caller rate limit: a fixed one-minute window per key (CONTRACT section 7: RATE_LIMITED,
 * HTTP 429, RATE_LIMIT_PER_MINUTE). The key is the verified caller (`role:sub`, plus the partner id
 * for partners) or, without a valid token, the client address — so it is taken after token
 * verification, which is why this is a small limiter called from the /graphql route rather than
 * an onRequest plugin. One instance per gateway; windows are dropped when they expire.
 */
import type { Caller } from '../policy/types';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the caller's window resets (for Retry-After). */
  retryAfterSeconds: number;
  remaining: number;
}

const WINDOW_MS = 60_000;

export function rateLimitKey(caller: Caller | null, address: string): string {
  if (caller === null) return `ip:${address}`;
  return caller.partnerId === null ? `${caller.role}:${caller.sub}` : `${caller.role}:${caller.partnerId}:${caller.sub}`;
}

export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();
  private sweptAt = 0;

  constructor(private readonly perMinute: number, private readonly now: () => number = Date.now) {}

  take(key: string): RateDecision {
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= WINDOW_MS) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
    return { allowed: window.count <= this.perMinute, retryAfterSeconds, remaining: Math.max(0, this.perMinute - window.count) };
  }

  /** Forgets expired windows at most once a window, so memory stays bounded by active callers. */
  private sweep(now: number): void {
    if (now - this.sweptAt < WINDOW_MS) return;
    this.sweptAt = now;
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= WINDOW_MS) this.windows.delete(key);
    }
  }
}
