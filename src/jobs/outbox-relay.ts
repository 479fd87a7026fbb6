import type { DeliveryLedger, OutboxRow, TeamScope } from '../services/delivery-ledger.ts';
import type { Queues } from './queues.ts';
import { jobIds } from './registry.ts';
import { loggerFor } from '../observability/logger.ts';

const log = loggerFor('outbox-relay');

export interface RelayOptions {
  readonly outbox: DeliveryLedger['outbox'];
  readonly queues: Queues;
  readonly teams: TeamScope;
  readonly pollMs: number;
  readonly batchSize?: number;
  /** Called after rows were enqueued and before their transaction commits (tests count enqueues with it). */
  readonly onEnqueued?: (rows: readonly OutboxRow[]) => void;
}

export interface OutboxRelay {
  /** Relays now (coalesced with a pass already running). */
  kick(): void;
  /** Relays until nothing is left; returns how many rows this relay moved. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Moves committed outbox rows into the `events` queue. Woken by NOTIFY (the insert trigger) with polling as the
 * fallback. Rows are locked with SKIP LOCKED, so several relays share the work and each row is enqueued by one
 * of them; the job id is `outbox-<id>`, so even a relay that dies between enqueueing and committing cannot
 * make a second job. Never reads `id > last seen`: ids commit out of order.
 */
export function startOutboxRelay(options: RelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 200;
  let stopped = false;
  let running: Promise<number> | null = null;
  let again = false;
  let listener: { close(): Promise<void> } | null = null;
  let reconnect: NodeJS.Timeout | null = null;

  /** One batch: rows are locked, enqueued and marked in one transaction; if Redis is away they stay and are retried shortly. */
  function relayBatch(): Promise<number> {
    return options.outbox.relayBatch(options.teams, batchSize, async (rows) => {
      await options.queues.queue('events').addBulk(rows.map((row) => ({
        name: 'outbox',
        data: { outboxId: row.id, teamId: row.teamId, submissionId: row.submissionId, topic: row.topic, payload: row.payload },
        opts: { jobId: jobIds.outbox(row.id) },
      })));
      options.onEnqueued?.(rows);
    }, () => new Date(Date.now() + options.pollMs));
  }

  async function pass(): Promise<number> {
    let total = 0;
    do {
      again = false;
      for (;;) {
        const moved = await relayBatch();
        total += moved;
        // Relaying a row can free the next row of its submission (rows wait for their predecessors), so a small
        // batch does not mean the backlog is empty: stop only when a batch moves nothing.
        if (moved === 0 || stopped) break;
      }
    } while (again && !stopped);
    return total;
  }

  function run(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = pass()
      .catch((error: unknown) => {
        if (!stopped) log.error({ err: error }, 'outbox relay pass failed');
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  async function listen(): Promise<void> {
    if (stopped) return;
    try {
      const opened = await options.outbox.listen(() => void run(), (error) => {
        log.warn({ err: error.message }, 'outbox LISTEN connection lost; polling until it is back');
        if (listener === opened) listener = null;
        if (!stopped) reconnect = setTimeout(() => void listen(), 1000);
      });
      listener = opened;
      if (stopped) await opened.close();
      else void run(); // rows committed while we were not listening
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'outbox LISTEN failed; polling');
      if (!stopped) reconnect = setTimeout(() => void listen(), 1000);
    }
  }

  void listen();
  const poll = setInterval(() => void run(), options.pollMs);
  poll.unref();

  return {
    kick: () => void run(),
    async drain() {
      let total = 0;
      for (;;) {
        const moved = await run();
        total += moved;
        if (moved === 0 && !running) return total;
      }
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      if (reconnect) clearTimeout(reconnect);
      await running;
      await listener?.close();
      listener = null;
    },
  };
}
