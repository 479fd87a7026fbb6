import type { ApiRateRepository, FailureWindow } from '../db/api-rate-repository.ts';
import { systemMeta, type RequestMeta } from './deps.ts';
import type { Transact } from './unit-of-work.ts';

/** The REST API's limits: fixed windows, counted in PostgreSQL so they hold across every app replica. */
export interface ApiRateLimits {
  readonly windowSeconds: number;
  /** Failed authentications a client address may make per window before its requests are refused with 429. */
  readonly authFailuresPerWindow: number;
  /** Requests one API token may make per window. */
  readonly requestsPerWindow: number;
}

export const DEFAULT_API_RATE_LIMITS: ApiRateLimits = { windowSeconds: 60, authFailuresPerWindow: 30, requestsPerWindow: 600 };

export type Throttle = { readonly limited: false } | { readonly limited: true; readonly retryAfterSeconds: number; readonly limit: number };

export interface AuthFailure {
  readonly reason: string;
  readonly tokenId: string | null;
  readonly method: string;
  readonly path: string;
}

export interface ApiRateLimitDeps {
  readonly transact: Transact;
  readonly windows: ApiRateRepository;
  readonly clock: () => Date;
  readonly limits: ApiRateLimits;
}

/** How long finished windows are kept before they are dropped. */
const RETENTION_MS = 24 * 3_600_000;
const SWEEP_PAGE = 200;

/**
 * Failed authentications are throttled per client address and recorded in aggregate: the first failure of each
 * (address, window, chain) is appended to the trail at once, with its trace id; every later one is only counted
 * (in PostgreSQL, in the same transaction as the attempt), and once the window has closed one
 * `api.auth_failures_counted` event says how many failures the window had. So the trail misses no attempt, a
 * stopped process loses no count, and an attacker writes at most two events per address and window.
 */
export function createApiRateLimitService(deps: ApiRateLimitDeps) {
  const windowMs = deps.limits.windowSeconds * 1000;
  const windowStart = (now: Date): Date => new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const retryAfter = (now: Date): number => Math.max(1, Math.ceil((windowStart(now).getTime() + windowMs - now.getTime()) / 1000));

  /** Whether `source` has used up its failed attempts for the current window. */
  async function sourceThrottle(source: string): Promise<Throttle> {
    const now = deps.clock();
    const failures = await deps.windows.failuresOf(source, windowStart(now));
    const limit = deps.limits.authFailuresPerWindow;
    return failures >= limit ? { limited: true, retryAfterSeconds: retryAfter(now), limit } : { limited: false };
  }

  /** Counts a failed (or throttled) attempt from `source` in `chainId`; the window's first is also an audit event. */
  async function recordAuthFailure(source: string, chainId: string, failure: AuthFailure, meta: RequestMeta): Promise<void> {
    const start = windowStart(deps.clock());
    await deps.transact(chainId, meta, async (tx, uow) => {
      const { failures } = await deps.windows.countFailure(tx, { source, windowStart: start, chainId }, failure.reason);
      if (failures === 1) {
        uow.record({
          type: 'api.auth_failed', reason: failure.reason,
          details: { ...failure, ip: source, window: { start: start.toISOString(), seconds: deps.limits.windowSeconds } },
        });
      }
    });
  }

  /** Counts a request of `tokenId`; limited once the token has made its window's share. */
  async function takeRequest(tokenId: string): Promise<Throttle> {
    const now = deps.clock();
    const requests = await deps.windows.countRequest(tokenId, windowStart(now));
    const limit = deps.limits.requestsPerWindow;
    return requests > limit ? { limited: true, retryAfterSeconds: retryAfter(now), limit } : { limited: false };
  }

  const countedEvent = (w: FailureWindow) => ({
    type: 'api.auth_failures_counted' as const,
    details: {
      source: w.source, window: { start: w.windowStart.toISOString(), seconds: deps.limits.windowSeconds },
      failures: w.failures, recordedBefore: w.recorded, reasons: w.reasons,
    },
  });

  /**
   * Records every closed window whose failures are not all in the trail yet, one event each, and marks them
   * counted in the same transaction. Safe in several workers at once (rows are locked, others skipped).
   */
  async function closeWindows(now: Date = deps.clock()): Promise<{ events: number }> {
    const closedBefore = windowStart(now);
    let events = 0;
    for (const chainId of await deps.windows.chainsWithUncounted(closedBefore)) {
      for (;;) {
        const { result } = await deps.transact(chainId, systemMeta('api-rate-limits'), async (tx, uow) => {
          const windows = await deps.windows.lockUncounted(tx, chainId, closedBefore, SWEEP_PAGE);
          for (const w of windows) uow.record(countedEvent(w));
          await deps.windows.markCounted(tx, windows);
          return windows.length;
        });
        events += result;
        if (result < SWEEP_PAGE) break;
      }
    }
    await deps.windows.prune(new Date(closedBefore.getTime() - RETENTION_MS));
    return { events };
  }

  return { limits: deps.limits, sourceThrottle, recordAuthFailure, takeRequest, closeWindows };
}
export type ApiRateLimitService = ReturnType<typeof createApiRateLimitService>;
