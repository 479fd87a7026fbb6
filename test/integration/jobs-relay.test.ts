import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { OutboxRow } from '../../src/services/delivery-ledger.ts';
import { startOutboxRelay, type OutboxRelay } from '../../src/jobs/outbox-relay.ts';
import { createQueues, DEFAULT_TUNING, type Queues } from '../../src/jobs/queues.ts';
import { testDatabaseUrl } from '../support/db.ts';
import { createHarness, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness;
let queues: Queues | null = null;
let relays: OutboxRelay[] = [];
afterEach(async () => {
  for (const relay of relays) await relay.stop();
  relays = [];
  await queues?.close();
  queues = null;
  await h?.stop();
});

describe('outbox relay', () => {
  it('enqueues every row exactly once with two relays racing, each submission in order', async () => {
    h = await createHarness({ runtime: false });
    queues = createQueues(inject('redisUrl'), h.prefix, DEFAULT_TUNING);
    const enqueued: OutboxRow[] = [];
    const perRelay = [0, 0];
    for (const index of [0, 1]) {
      relays.push(startOutboxRelay({
        outbox: h.services.ledger.outbox, queues, teams: [h.teamId], pollMs: 50, batchSize: 7,
        onEnqueued: (rows) => {
          enqueued.push(...rows);
          perRelay[index] = (perRelay[index] ?? 0) + rows.length;
        },
      }));
    }
    const submissions = Array.from({ length: 12 }, () => randomUUID());
    // Eight writers commit rows concurrently, so ids commit out of order while both relays run. Each submission has
    // one writer, as in the app, where the submission's row lock makes its rows commit in id order.
    await Promise.all(Array.from({ length: 8 }, async (_, writer) => {
      const own = submissions.filter((_s, n) => n % 8 === writer);
      for (let i = 0; i < 40; i++) {
        const submissionId = i % 5 === 0 ? null : own[i % own.length] ?? null;
        await h.sql(`insert into outbox (team_id, submission_id, topic, payload) values (?, ?, 'test.event', ?::jsonb)`, [h.teamId, submissionId, JSON.stringify({ writer, i })]);
      }
    }));
    await waitUntil(async () => (await h.sql<{ n: string }>('select count(*) as n from outbox where team_id = ? and relayed_at is null', [h.teamId]))[0]?.n === '0', 15_000, 'all relayed');

    const rows = await h.sql<{ id: string }>('select id from outbox where team_id = ? order by id', [h.teamId]);
    expect(rows).toHaveLength(320);
    const counts = new Map<number, number>();
    for (const row of enqueued) counts.set(row.id, (counts.get(row.id) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(rows.map((r) => Number(r.id)));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Both relays took part, and the queue holds one job per row, named by the row id.
    expect(perRelay.every((n) => n > 0)).toBe(true);
    expect(await queues.queue('events').getJobCountByTypes('waiting')).toBe(320);
    expect(await queues.queue('events').getJob(`outbox-${rows[0]?.id}`)).toBeTruthy();
    for (const submissionId of submissions) {
      const ids = enqueued.filter((r) => r.submissionId === submissionId).map((r) => r.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('relays a row whose id is lower but which commits later (no "id > last seen")', async () => {
    h = await createHarness({ runtime: false });
    queues = createQueues(inject('redisUrl'), h.prefix, DEFAULT_TUNING);
    const seen: number[] = [];
    relays.push(startOutboxRelay({ outbox: h.services.ledger.outbox, queues, teams: [h.teamId], pollMs: 50, onEnqueued: (rows) => seen.push(...rows.map((r) => r.id)) }));
    const slow = new pg.Client({ connectionString: testDatabaseUrl() });
    await slow.connect();
    try {
      await slow.query('begin');
      const early = await slow.query<{ id: string }>(`insert into outbox (team_id, topic, payload) values ($1, 'test.slow', '{}') returning id`, [h.teamId]);
      const [late] = await h.sql<{ id: string }>(`insert into outbox (team_id, topic, payload) values (?, 'test.fast', '{}') returning id`, [h.teamId]);
      expect(Number(late?.id)).toBeGreaterThan(Number(early.rows[0]?.id));
      await waitUntil(() => seen.includes(Number(late?.id)), 5000, 'later id relayed first');
      await slow.query('commit');
      await waitUntil(() => seen.includes(Number(early.rows[0]?.id)), 5000, 'earlier id relayed after its commit');
    } finally {
      await slow.end();
    }
  });
});
