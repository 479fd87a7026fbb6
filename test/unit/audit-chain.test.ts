import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, computeHash, encodeBody, jsonbText, linkOf, numberText, verifyChain, type AuditRow } from '../../src/domain/index.ts';

function chain(length: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const body = {
      eventId: randomUUID(), type: 'role.updated' as const, teamId: 'T1', submissionId: null, workflowKey: null, workflowVersion: null,
      stageInstanceId: null, stageId: null, actorId: 'UADMIN1', capacity: { kind: 'admin' as const }, reason: null,
      details: { role: `r${seq}`, members: ['UA1', 'UB2'] }, origin: { kind: 'system' as const, component: 'test' }, correlationId: null, traceId: null, schemaVersion: 1,
    };
    const occurredAt = new Date(Date.UTC(2026, 10, 22, 10, 0, seq)).toISOString();
    const hash = computeHash(prev, 'T1', seq, occurredAt, encodeBody(body));
    rows.push({ ...body, chainId: 'T1', seq, occurredAt, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('canonical encoding', () => {
  it('writes jsonb text: keys by byte length then bytes, ", " and ": " separators, undefined dropped', () => {
    expect(jsonbText({ bb: 1, a: [true, null, 'x"y\n'], c: undefined, d: { zz: 1.5, y: -0 }, é: {} })).toBe('{"a": [true, null, "x\\"y\\n"], "d": {"y": 0, "zz": 1.5}, "bb": 1, "é": {}}');
  });

  it('writes numbers in plain decimal notation, as PostgreSQL numeric does', () => {
    expect([1e21, 1.5e-7, -2.5e22, 123.456, 0.1 + 0.2].map(numberText)).toEqual(['1000000000000000000000', '0.00000015', '-25000000000000000000000', '123.456', '0.30000000000000004']);
  });

  it('hashes exactly the documented preimage', () => {
    const body = encodeBody(chain(1)[0] as AuditRow);
    const expected = createHash('sha256').update(`${GENESIS_HASH}\nT1\n1\n2026-11-22T10:00:01.000Z\n${body}`).digest('hex');
    expect(computeHash(GENESIS_HASH, 'T1', 1, '2026-11-22T10:00:01.000Z', body)).toBe(expected);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and reports its head', async () => {
    const rows = chain(5);
    expect(await verifyChain(rows.map(linkOf))).toEqual({ ok: true, checked: 5, head: { seq: 5, hash: rows[4]?.hash }, problem: null });
  });

  it('resumes from a trusted point', async () => {
    const rows = chain(5);
    const result = await verifyChain(rows.slice(2).map(linkOf), { seq: 2, hash: rows[1]?.hash as string });
    expect(result).toMatchObject({ ok: true, checked: 3 });
  });

  it('names a row rewritten with a recomputed hash by the link that breaks after it', async () => {
    const rows = chain(5);
    const forged = { ...(rows[2] as AuditRow), reason: 'forged' };
    const rehashed = { ...forged, hash: computeHash(forged.prevHash, 'T1', 3, forged.occurredAt, encodeBody(forged)) };
    const result = await verifyChain(([rows[0], rows[1], rehashed, rows[3], rows[4]] as AuditRow[]).map(linkOf));
    expect(result.problem).toMatchObject({ kind: 'unlinked', seq: 3 });
  });
});
