import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedTransaction, json, pooledRunner, sql } from '../../src/db/sql.ts';
import { createTestApp, slackOrigin, uniqueUserId, type TestApp } from '../support/db.ts';

let app: TestApp;
const requester = uniqueUserId('REQ');
const reviewer = uniqueUserId('REV');

beforeAll(async () => {
  app = await createTestApp({ poolSize: 3 });
  await app.services.workflows.publish(app.teamId, app.admin, {
    key: 'literal', name: 'Literal', stages: [{ id: 'one', name: 'One', step: 1, approvers: [{ type: 'user', userId: reviewer }] }],
  }, slackOrigin(app.teamId));
});
afterAll(() => app.orm.close());

/** Text a SQL literal must carry unchanged: quotes, backslashes, placeholders, statement separators, comments, unicode. */
const AWKWARD = [`it's`, `back\\slash \\' \\\\`, `? $1 :name`, `a; drop table submission; --`, `/* not a comment */`, 'line\nbreak\ttab', 'naïve 数字 🚀', `E'\\x41'`, ''];

describe('statements with their values written in (one round trip for many)', () => {
  it('carries awkward text, jsonb and times through unchanged', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const rows = await pooledRunner(app.orm).run([
      ...AWKWARD.map((text) => sql`select ${text} as value`),
      sql`select ${json({ text: AWKWARD })} as doc, ${at} as at, ${42} as n, ${null}::text as nothing`,
    ]);
    expect(rows.slice(0, AWKWARD.length).map((r) => r[0]?.value)).toEqual(AWKWARD);
    const last = rows[AWKWARD.length]?.[0];
    expect(last?.doc).toEqual({ text: AWKWARD });
    expect(new Date(last?.at as string).toISOString()).toBe(at.toISOString());
    expect(last?.n).toBe(42);
    expect(last?.nothing).toBeNull();
  });

  it('keeps a decision reason exactly as typed, in the state, the audit trail and an intact chain', async () => {
    const reason = AWKWARD.filter(Boolean).join(' | '); // the domain trims reasons, so no empty tail
    const submitted = await app.services.submissions.submit({ teamId: app.teamId, workflowKey: 'literal', requesterId: requester, title: `Quote's "title" \\ ?` }, slackOrigin(app.teamId));
    await app.services.decisions.decide({ teamId: app.teamId, submissionId: submitted.id, actorId: reviewer, kind: 'reject', reason, idempotencyKey: `literal-${submitted.id}` }, slackOrigin(app.teamId));
    const after = await app.services.submissions.get(app.teamId, submitted.id);
    expect(after.title).toBe(`Quote's "title" \\ ?`);
    expect(after.status).toBe('rejected');
    expect(after.stages[0]?.decisions[0]?.reason).toBe(reason);
    const trail = await app.services.audit.submissionTrail(submitted.id);
    expect(trail.find((e) => e.type === 'decision.rejected')?.reason).toBe(reason);
    expect((await app.services.audit.verify(app.teamId)).ok).toBe(true);
  });

  it('rolls back everything when a statement fails and returns the connection, many more times than the pool holds', async () => {
    const topic = `rollback-${app.teamId}`;
    for (let i = 0; i < 10; i++) {
      const tx = await BatchedTransaction.open(app.orm);
      try {
        await tx.run([sql`insert into outbox (team_id, topic, payload) values (${app.teamId}, ${topic}, '{}')`]);
        await expect(tx.commit([sql`select 1 / 0`])).rejects.toThrow(/division by zero/);
        await tx.rollback();
      } finally {
        tx.release();
      }
    }
    const [rows = []] = await pooledRunner(app.orm).run([sql`select count(*)::int as n from outbox where topic = ${topic}`]);
    expect(rows[0]?.n).toBe(0);
  });
});
