import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SCHEMA_VERSION, encodeBody, type AuditEventBody } from '../../src/domain/index.ts';
import { AUDIT_BODY_SQL, AUDIT_COLUMNS, appendAuditEvents, toAuditRow, type AuditRowRecord } from '../../src/db/audit-store.ts';
import type { Orm } from '../../src/db/orm.ts';
import { createTestOrm, uniqueTeamId } from '../support/db.ts';
import { entityManagerRunner } from '../../src/db/sql.ts';

let orm: Orm;
beforeAll(async () => {
  orm = await createTestOrm(2);
});
afterAll(() => orm.close());

const awkward: Record<string, unknown>[] = [
  { a: 1, bb: 2, ccc: 3, é: 'accent key', '😀': 'astral key', ab: [1, 2, { zz: null, y: false }] },
  { text: 'quote " backslash \\ newline \n tab \t bell \u0007 del \u007f line-sep \u2028 emoji 😀 ünïcödé' },
  { big: 1e21, huge: -2.5e22, tiny: 1.5e-7, small: -0.000001, negZero: -0, fraction: 0.1 + 0.2, int: 9007199254740991 },
  { nested: { deeper: { deepest: [[], {}, [{}], 'x'] } }, empty: '' },
];

describe('the database and TypeScript write the same canonical body', () => {
  it('for awkward text, numbers and keys', async () => {
    const team = uniqueTeamId();
    const events: AuditEventBody[] = awkward.map((details, i) => ({
      eventId: randomUUID(), type: 'role.updated', teamId: team, submissionId: i % 2 ? randomUUID() : null, workflowKey: i % 2 ? 'purchase-order' : null,
      workflowVersion: i % 2 ? 7 : null, stageInstanceId: null, stageId: null, actorId: i % 2 ? null : 'UADMIN01', capacity: i % 2 ? { kind: 'system', rule: 'x' } : null,
      reason: i % 2 ? 'why “quoted”' : null, details, origin: { kind: 'cli', command: 'test' }, correlationId: null, traceId: randomUUID(), schemaVersion: AUDIT_SCHEMA_VERSION,
    }));
    await orm.em.fork().transactional((em) => appendAuditEvents(entityManagerRunner(em), team, events));
    const rows = await orm.em.fork().execute<(AuditRowRecord & { body: string })[]>(`select ${AUDIT_COLUMNS}, ${AUDIT_BODY_SQL} as body from audit_event where chain_id = ? order by seq`, [team]);
    expect(rows).toHaveLength(awkward.length);
    for (const record of rows) expect(encodeBody(toAuditRow(record))).toBe(record.body);
  });
});
