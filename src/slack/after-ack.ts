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
 */
export interface AfterAck {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createAfterAck(concurrency: number): AfterAck {
  let active = 0;
  const waiting: (() => void)[] = [];
  // A finished piece of work hands its slot straight to the next in line, so the count never overshoots.
  const release = () => {
    const next = waiting.shift();
    if (next) {
      next();
      return;
    }
    active--;
    running.dec();
  };
  return {
    async run(work) {
      if (active < concurrency) {
        active++;
        running.inc();
      } else {
        queued.inc();
        await new Promise<void>((resolve) => waiting.push(resolve));
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
