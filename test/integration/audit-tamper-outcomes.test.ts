import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, computeHash, encodeBody } from '../../src/domain/index.ts';
import { loadSigningKey, publicKeyOf } from '../../src/domain/checkpoint.ts';
import { createTestApp, uniqueTeamId, type TestApp } from '../support/db.ts';
import { appendEvents, chainRows, insertRow, tamperConnection, testKey } from '../support/proof.ts';

/** The outcomes of docs/audit-format.md's table not pinned elsewhere, each through both verifiers. */
let app: TestApp;
const publicKey = publicKeyOf(loadSigningKey(testKey.privateKeyPem));
beforeAll(async () => { app = await createTestApp(); });
afterAll(() => app.orm.close());

async function rewriteChain(teamId: string, change: (rows: Awaited<ReturnType<typeof chainRows>>) => { rows: Awaited<ReturnType<typeof chainRows>>; start: string }): Promise<void> {
  const c = await tamperConnection();
  try {
    const { rows, start } = change(await chainRows(c, teamId));
    await c.query('delete from audit_event where chain_id = $1', [teamId]);
    let prev = start;
    for (const row of rows) {
      const hash = computeHash(prev, teamId, row.seq, row.occurredAt, encodeBody(row));
      await insertRow(c, { ...row, prevHash: prev, hash });
      prev = hash;
    }
  } finally {
    await c.end();
  }
}

describe('verification names what happened', () => {
  it('a row deleted and the later rows renumbered to close the gap: at the deleted row', async () => {
    const teamId = uniqueTeamId();
    await appendEvents(app.deps, teamId, 8);
    const c = await tamperConnection();
    try {
      await c.query('delete from audit_event where chain_id = $1 and seq = 5', [teamId]);
      await c.query('update audit_event set seq = -(seq - 1) where chain_id = $1 and seq > 5', [teamId]);
      await c.query('update audit_event set seq = -seq where chain_id = $1 and seq < 0', [teamId]);
    } finally {
      await c.end();
    }
    for (const report of [await app.services.audit.verify(teamId), await app.services.checkpoints.verify(teamId, publicKey)]) {
      expect(report.problem).toMatchObject({ kind: 'reordered', seq: 5 });
      expect(report.problem?.message).toContain('row 5 was written as row 6');
      expect(report.problem?.message).toContain('deleted and the later rows renumbered');
      expect(report.checked).toBe(4);
    }
  });

  it('a chain made to start from another hash than the genesis hash, consistent from there on: bad_start at row 1', async () => {
    const teamId = uniqueTeamId();
    await appendEvents(app.deps, teamId, 4);
    await rewriteChain(teamId, (rows) => ({ rows, start: 'f'.repeat(64) }));
    for (const report of [await app.services.audit.verify(teamId), await app.services.checkpoints.verify(teamId, publicKey)]) {
      expect(report.problem).toMatchObject({ kind: 'bad_start', seq: 1 });
      expect(report.problem?.message).toBe('row 1 does not start from the genesis hash');
      expect(report.checked).toBe(0);
    }
  });

  it('rows cut off or rewritten while the chain head was left as it was: the head, written with the rows, still says where the chain ended', async () => {
    const cut = uniqueTeamId();
    await appendEvents(app.deps, cut, 6);
    const c = await tamperConnection();
    try {
      await c.query('delete from audit_event where chain_id = $1 and seq >= 5', [cut]);
    } finally {
      await c.end();
    }
    const truncated = await app.services.checkpoints.verify(cut, publicKey);
    expect(truncated.problem).toMatchObject({ kind: 'truncated', seq: 5, source: 'audit_chain_head' });
    expect(truncated.problem?.message).toBe('the chain ends at seq 4, but the chain head (audit_chain_head) covers seq 6: rows 5..6 (at least) were cut off');

    const rewritten = uniqueTeamId();
    await appendEvents(app.deps, rewritten, 5);
    await rewriteChain(rewritten, (rows) => ({ rows: rows.map((r) => (r.seq === 2 ? { ...r, details: { label: 'changed' } } : r)), start: GENESIS_HASH }));
    expect((await app.services.checkpoints.verify(rewritten, publicKey)).problem).toMatchObject({ kind: 'rewritten', seq: 5, source: 'audit_chain_head' });
  });
});
