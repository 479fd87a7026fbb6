import type { Redis } from 'ioredis';

export interface TimerWaker {
  stop(): void;
}

/**
 * Makes delayed jobs fire on time regardless of Redis' `hz`. An idle BullMQ worker waits for its next delayed job
 * in a blocking BZPOPMIN whose timeout Redis only notices on its cron tick (every 1000/hz ms: up to 100 ms late
 * with the default hz 10). This watches the head of the queue's delayed set and, at the due millisecond, adds
 * the "jobs available" marker, which wakes the blocked worker at once; the worker then promotes what is due.
 *
 * It relies on BullMQ's key layout (`<prefix>:<queue>:delayed` scored `due * 0x1000 + n`, and the `marker`
 * sorted set with member "0" at score 0, see addBaseMarkerIfNeeded.lua), checked against bullmq 6.7.
 * If that ever changes, timers still fire through BullMQ's own path, only with hz-bound lateness.
 */
export function startTimerWaker(connection: Redis, prefix: string, queueName: string, pollMs = 200): TimerWaker {
  const delayedKey = `${prefix}:${queueName}:delayed`;
  const markerKey = `${prefix}:${queueName}:marker`;
  let timeout: NodeJS.Timeout | null = null;
  let armedFor = Number.POSITIVE_INFINITY;
  let stopped = false;
  // The head stays in the delayed set until a worker promotes it; do not wake again for it straight away.
  let wokeFor = Number.NEGATIVE_INFINITY;
  let wokeAt = 0;

  async function arm(): Promise<void> {
    if (stopped) return;
    let head: string[];
    try {
      head = await connection.zrange(delayedKey, '0', '0', 'WITHSCORES');
    } catch {
      return; // Redis away: BullMQ's own wake-up still works, and the next poll tries again
    }
    const score = head[1];
    if (score === undefined) return;
    const dueAt = Math.floor(Number(score) / 0x1000);
    if (dueAt >= armedFor || (dueAt <= wokeFor && Date.now() - wokeAt < pollMs)) return;
    if (timeout) clearTimeout(timeout);
    armedFor = dueAt;
    timeout = setTimeout(() => {
      timeout = null;
      armedFor = Number.POSITIVE_INFINITY;
      if (stopped) return;
      wokeFor = dueAt;
      wokeAt = Date.now();
      connection.zadd(markerKey, 0, '0').catch(() => undefined).finally(() => {
        // Look for the next head once the worker has had a moment to promote this one.
        for (const ms of [5, 25]) setTimeout(() => void arm(), ms).unref();
      });
    }, Math.max(0, dueAt - Date.now() + 1));
  }

  const poll = setInterval(() => void arm(), pollMs);
  poll.unref();
  void arm();
  return {
    stop() {
      stopped = true;
      clearInterval(poll);
      if (timeout) clearTimeout(timeout);
    },
  };
}
