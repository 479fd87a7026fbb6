import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, slackOrigin, uniqueUserId, type TestApp } from '../support/db.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.orm.close());

const rows = async () => Number((await t.orm.em.fork().execute<{ n: string }[]>(`select (select count(*) from role) + (select count(*) from delegation) + (select count(*) from audit_event) as n`))[0]?.n);

describe('the directory refuses text that cannot be stored', () => {
  it('in a role description and a delegation reason or workflow key: invalid_input naming the field, nothing written', async () => {
    const before = await rows();
    for (const description of ['a\u0000b', 'lone \ud800', 'bell\u0007']) {
      await expect(t.services.directory.setRole(t.teamId, t.admin, { name: 'finance', description, members: [] }, slackOrigin(t.teamId)))
        .rejects.toMatchObject({ code: 'invalid_input', fieldErrors: { description: expect.stringContaining('control characters') } });
    }
    const delegation = { teamId: t.teamId, fromUserId: uniqueUserId('F'), toUserId: uniqueUserId('T'), startsAt: new Date(Date.now() - 1000), endsAt: new Date(Date.now() + 3_600_000) };
    await expect(t.services.directory.createDelegation({ ...delegation, reason: 'away\u0000' }, slackOrigin(t.teamId)))
      .rejects.toMatchObject({ code: 'invalid_input', fieldErrors: { reason: expect.stringContaining('control characters') } });
    await expect(t.services.directory.createDelegation({ ...delegation, workflowKey: 'x\u0000' }, slackOrigin(t.teamId)))
      .rejects.toMatchObject({ code: 'invalid_input', fieldErrors: { workflow: expect.any(String) } });
    expect(await rows()).toBe(before);
  });
});

describe('API tokens refuse a name that cannot be stored', () => {
  it('is invalid_input naming the name, and creates no token', async () => {
    for (const name of ['ci\u0000bot', 'lone \udfff']) {
      await expect(t.services.apiTokens.createToken({ teamId: t.teamId, ownerId: t.admin, name, scopes: ['submissions:read'], createdBy: 'cli:ops' }, slackOrigin(t.teamId)))
        .rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('name') });
    }
    const [row] = await t.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from api_token where team_id = ?`, [t.teamId]);
    expect(Number(row?.n)).toBe(0);
  });
});
