import { Counter, Gauge } from 'prom-client';
import { registry } from '../observability/metrics.ts';
import { NotRecordedInTime } from '../services/index.ts';

const queued = new Gauge({
  name: 'approvals_slack_work_queued',
  help: 'Slack interactions waiting for a slot (decisions before their ack, Home tabs after theirs).',
  registers: [registry],
});
const queueLimit = new Gauge({
  name: 'approvals_slack_work_queue_limit',
  help: 'How many Slack interactions may wait for a slot (DECISION_QUEUE_LIMIT); past it a click is refused at once.',
  registers: [registry],
});
const running = new Gauge({
  name: 'approvals_slack_work_running',
  help: 'Slack interactions being worked on (each holds a database connection).',
  registers: [registry],
});
const notStarted = new Counter({
  name: 'approvals_slack_work_not_started_total',
  help: 'Slack interactions turned away without being worked on, by reason (queue_full, too_busy, deadline): the clicker is told nothing was recorded.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export interface WorkOptions {
  /**
   * Epoch ms: still waiting for a slot then, the work is dropped and `run` throws NotRecordedInTime. Work that
   * would have to wait is refused at once when it is not expected to be done within half the time left.
   */
  readonly startBy?: number;
}

/** How much each finished piece of work moves the estimate of how long one takes (an exponential average). */
const ESTIMATE_WEIGHT = 0.1;

/**
 * Slots for the work Slack listeners do with the database: at most `concurrency` pieces at once (as many as
 * there are connections), and at most `limit` waiting. A click's decision runs before its ack, so it waits for
 * a slot only until its deadline; past the deadline, or with the waiting line full, it is refused at once
 * (NotRecordedInTime) and the clicker told to click again. Nothing waits without a bound, so memory does not
 * follow a backlog and no acknowledged click is left undecided in memory.
 *
 * The waiting line is bounded by time as well as by count: from how long recent work held its slot, a newcomer's
 * wait and work are estimated, and one not expected to be done within half its time left is refused at once,
 * before any work is spent on it. Under more clicks than the process can decide, the line so stays as long as it
 * can be served in time, and the rest hear at once that nothing was recorded instead of waiting to be refused.
 *
 * Waiting work is kept per workspace and a freed slot goes to the waiting workspace served longest ago, so one
 * workspace's burst of clicks never starves another's decisions or Home tab: a newcomer waits for one slot, not
 * for the burst.
 */
export interface WorkSlots {
  run<T>(teamId: string, work: () => Promise<T>, options?: WorkOptions): Promise<T>;
  /** How many are waiting now. */
  readonly waiting: number;
}

interface Waiter {
  readonly start: () => void;
  readonly teamId: string;
}

/** A refusal made before any work: its stack says nothing, and a busy process makes hundreds a second. */
function turnedAway(reason: string): NotRecordedInTime {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new NotRecordedInTime(reason);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function createWorkSlots(concurrency: number, limit: number): WorkSlots {
  queueLimit.set(limit);
  let active = 0;
  const waiting = new Map<string, Waiter[]>();
  let waitingCount = 0;
  // When each workspace last got a slot (a counter, not a clock): the one served longest ago goes first.
  const lastServed = new Map<string, number>();
  let turns = 0;
  // How long a piece of work holds its slot, averaged over the recent ones (ms; 0 until one finished).
  let workMs = 0;
  const served = (teamId: string): void => {
    lastServed.set(teamId, ++turns);
    if (lastServed.size > 10_000) for (const team of lastServed.keys()) if (!waiting.has(team)) lastServed.delete(team);
  };

  function next(): Waiter | undefined {
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
    const waiter = line.shift();
    if (line.length === 0) waiting.delete(pick);
    waitingCount--;
    queued.dec();
    served(pick);
    return waiter;
  }
  /** Takes a waiter out of its line (its deadline passed); false when it already got a slot. */
  function leave(waiter: Waiter): boolean {
    const line = waiting.get(waiter.teamId);
    const at = line?.indexOf(waiter) ?? -1;
    if (!line || at < 0) return false;
    line.splice(at, 1);
    if (line.length === 0) waiting.delete(waiter.teamId);
    waitingCount--;
    queued.dec();
    return true;
  }
  // A finished piece of work hands its slot straight to the next in turn, so the count never overshoots.
  const release = () => {
    const waiter = next();
    if (waiter) {
      waiter.start();
      return;
    }
    active--;
    running.dec();
  };

  async function slot(teamId: string, startBy: number | undefined): Promise<void> {
    if (active < concurrency && waitingCount === 0) {
      active++;
      running.inc();
      served(teamId);
      return;
    }
    if (waitingCount >= limit) {
      notStarted.inc({ reason: 'queue_full' });
      throw turnedAway(`${waitingCount} interactions are already waiting`);
    }
    if (startBy !== undefined) {
      // Slots free up at `concurrency` per `workMs`: this one waits for the ones ahead of it and its own.
      const doneIn = ((waitingCount + 1) / concurrency) * workMs + workMs;
      if (doneIn > (startBy - Date.now()) / 2) {
        notStarted.inc({ reason: 'too_busy' });
        throw turnedAway(`${waitingCount} interactions are waiting, about ${Math.round(doneIn)} ms of work`);
      }
    }
    await new Promise<void>((resolve, reject) => {
      const timer = startBy === undefined ? undefined : setTimeout(() => {
        if (!leave(waiter)) return;
        notStarted.inc({ reason: 'deadline' });
        reject(new NotRecordedInTime('no slot was free in time'));
      }, Math.max(0, startBy - Date.now()));
      const waiter: Waiter = { teamId, start: () => { clearTimeout(timer); resolve(); } };
      const line = waiting.get(teamId);
      if (line) line.push(waiter);
      else waiting.set(teamId, [waiter]);
      waitingCount++;
      queued.inc();
    });
  }

  return {
    async run(teamId, work, options = {}) {
      await slot(teamId, options.startBy);
      const started = performance.now();
      try {
        return await work();
      } finally {
        workMs += (performance.now() - started - workMs) * ESTIMATE_WEIGHT;
        release();
      }
    },
    get waiting() {
      return waitingCount;
    },
  };
}
