import { Gauge } from 'prom-client';
import { registry } from '../observability/metrics.ts';

const queued = new Gauge({
  name: 'approvals_slack_work_queued',
  help: 'Slack interactions acknowledged and waiting for a slot to be worked on (decisions after their ack).',
  registers: [registry],
});
const running = new Gauge({
  name: 'approvals_slack_work_running',
  help: 'Slack interactions being worked on after their ack.',
  registers: [registry],
});

/**
 * Bounds the work listeners do after their ack. Acks go out at once whatever the load; the decisions behind
 * them run at most `concurrency` at a time, so a burst of clicks cannot flood the event loop (which would delay
 * every later ack past Slack's 3 seconds) or hold thousands of half-done decisions in memory.
 *
 * Waiting work is kept per workspace and a freed slot goes to the waiting workspace served longest ago, so one
 * workspace's burst of clicks never starves another's decisions or Home tab: a newcomer waits for one slot, not
 * for the burst.
 */
export interface AfterAck {
  run<T>(teamId: string, work: () => Promise<T>): Promise<T>;
}

export function createAfterAck(concurrency: number): AfterAck {
  let active = 0;
  const waiting = new Map<string, (() => void)[]>();
  let waitingCount = 0;
  // When each workspace last got a slot (a counter, not a clock): the one served longest ago goes first.
  const lastServed = new Map<string, number>();
  let turns = 0;
  const served = (teamId: string): void => {
    lastServed.set(teamId, ++turns);
    if (lastServed.size > 10_000) for (const team of lastServed.keys()) if (!waiting.has(team)) lastServed.delete(team);
  };

  function next(): (() => void) | undefined {
    let pick: string | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const teamId of waiting.keys()) {
      const at = lastServed.get(teamId) ?? 0;
      if (at < oldest) {
        oldest = at;
        pick = teamId;
      }
    }
    if (pick === undefined) return undefined;
    const line = waiting.get(pick) ?? [];
    const start = line.shift();
    if (line.length === 0) waiting.delete(pick);
    waitingCount--;
    served(pick);
    return start;
  }
  // A finished piece of work hands its slot straight to the next in turn, so the count never overshoots.
  const release = () => {
    const start = next();
    if (start) {
      start();
      return;
    }
    active--;
    running.dec();
  };
  return {
    async run(teamId, work) {
      if (active < concurrency && waitingCount === 0) {
        active++;
        running.inc();
        served(teamId);
      } else {
        queued.inc();
        waitingCount++;
        await new Promise<void>((resolve) => {
          const line = waiting.get(teamId);
          if (line) line.push(resolve);
          else waiting.set(teamId, [resolve]);
        });
        queued.dec();
      }
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
