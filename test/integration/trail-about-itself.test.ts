/** The trail records reads and refusals made through the API and exports made by operators. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/domain/index.ts';
import { slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { loadSigningKey } from '../../src/domain/checkpoint.ts';
import { appendEvents, startTestApi, testEnv, testKey } from '../support/proof.ts';
import { apiClient } from '../support/api-client.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';

let app: Awaited<ReturnType<typeof startTestApi>>;
const call = apiClient(() => app.url);
const teamId = uniqueTeamId();
const admin = uniqueUserId('ADM');
const member = uniqueUserId('MEM');

beforeAll(async () => {
  app = await startTestApi(testEnv({ APPROVAL_ADMINS: admin }));
});
afterAll(() => app.stop());

const token = async (ownerId: string, scopes: ApiScope[]) =>
  (await app.services.apiTokens.createToken({ teamId, ownerId, name: 'trail', scopes, createdBy: admin }, slackOrigin(teamId))).token;

interface EventRow { type: string; actor_id: string | null; trace_id: string | null; workflow_key: string | null; origin: Record<string, unknown>; details: Record<string, unknown> }
const eventsOf = (type: string) => app.orm.em.fork().execute<EventRow[]>(
  'select type, actor_id, trace_id, workflow_key, origin, details from audit_event where chain_id = ? and type = ? order by seq', [teamId, type]);

describe('refused attempts to change policy', () => {
  it('a non-admin publishing a workflow through the API is refused with 403 and recorded, with the trace id answered', async () => {
    const response = await call('POST', '/api/v1/workflows', await token(member, ['workflows:write']), purchaseOrderWorkflow({ cfo: uniqueUserId('CFO') }));
    expect(response.status).toBe(403);
    const [refused] = await eventsOf('policy.change_refused');
    expect(refused).toMatchObject({ actor_id: member, workflow_key: 'purchase-order', origin: { kind: 'api' }, details: { attempted: 'workflow.publish' } });
    expect(refused?.trace_id).toBe(response.headers.get('x-request-id'));
    expect(await eventsOf('workflow.published')).toEqual([]);
  });

  it('a non-admin changing roles, managers or admins is refused and recorded, whichever door the change came through', async () => {
    const meta = slackOrigin(teamId);
    const someone = uniqueUserId('SOME');
    await expect(app.services.directory.setRole(teamId, member, { name: 'finance', members: [member] }, meta)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(app.services.directory.setManager(teamId, member, someone, member, meta)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(app.services.directory.grantAdmin(teamId, member, member, meta)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(app.services.directory.revokeAdmin(teamId, member, someone, meta)).rejects.toMatchObject({ code: 'forbidden' });
    const attempts = (await eventsOf('policy.change_refused')).filter((e) => e.actor_id === member).map((e) => e.details.attempted);
    expect(attempts).toEqual(expect.arrayContaining(['role.update', 'manager.update', 'admin.grant', 'admin.revoke']));
    // An admin's changes are not refusals.
    await app.services.directory.setRole(teamId, admin, { name: 'finance', members: [member] }, meta);
    expect((await eventsOf('policy.change_refused')).filter((e) => e.actor_id === admin)).toEqual([]);
  });
});

describe('exports', () => {
  it('are recorded in the exported chain with who exported, how many rows and up to which checkpoint', async () => {
    await appendEvents(app.deps, teamId, 3);
    let text = '';
    const meta = { origin: { kind: 'cli' as const, command: 'audit:export', ranBy: 'auditor@example.com', ranByFrom: 'actor_flag' as const }, traceId: 'export-trace-0001' };
    const { rows } = await app.services.exports.exportAudit((chunk) => { text += chunk; }, { format: 'jsonl', teamId, signer: { privateKey: loadSigningKey(testKey.privateKeyPem) }, meta });
    expect(rows).toBeGreaterThan(0);
    const [exported] = await eventsOf('audit.exported');
    expect(exported).toMatchObject({ trace_id: 'export-trace-0001', origin: { kind: 'cli', ranBy: 'auditor@example.com' }, details: { format: 'jsonl', rows } });
    // The export ends at its checkpoint, before the event that records it.
    expect(text).not.toContain('audit.exported');
  });
});
