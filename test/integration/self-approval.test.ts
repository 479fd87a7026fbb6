/**
 * The requester cannot decide on their own request through the decision service or the REST API, in any capacity
 * they would otherwise hold, when the decision names the stage the way a card and an API client do. Each capacity
 * is first shown to be real: someone else placed the same way is accepted in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/domain/index.ts';
import { DomainError, type Capacity, type WorkflowDefinitionInput } from '../../src/domain/index.ts';
import { apiClient } from '../support/api-client.ts';
import { createTestApp, slackOrigin, uniqueUserId, type TestApp } from '../support/db.ts';
import { startTestApi, testEnv } from '../support/proof.ts';

let t: TestApp;
let api: Awaited<ReturnType<typeof startTestApi>>;
const call = apiClient(() => api.url);

beforeAll(async () => {
  t = await createTestApp();
  api = await startTestApi(testEnv({ APPROVAL_ADMINS: t.admin }));
});
afterAll(async () => {
  await api?.stop();
  await t?.orm.close();
});

const meta = () => slackOrigin(t.teamId);
let keys = 0;
const key = () => `self-approval-${keys++}-${Date.now()}`;

interface Placed {
  readonly submissionId: string;
  readonly stageInstanceId: string;
}

interface Cast {
  readonly requester: string;
  /** The person placed in the capacity: the requester, or someone else to show the capacity is real. */
  readonly who: string;
  readonly bob: string;
}

let workflows = 0;
async function submitUnder(cast: Cast, stage: Partial<WorkflowDefinitionInput['stages'][number]> & Pick<WorkflowDefinitionInput['stages'][number], 'approvers'>, extra: Partial<WorkflowDefinitionInput> = {}, fields: Record<string, string> = {}): Promise<Placed> {
  const workflowKey = `self-${workflows++}`;
  await t.services.workflows.publish(t.teamId, t.admin, { key: workflowKey, name: 'Self check', ...extra, stages: [{ id: 'review', name: 'Review', step: 1, ...stage }] }, meta());
  const submitted = await t.services.submissions.submit({ teamId: t.teamId, workflowKey, requesterId: cast.requester, title: 'New laptop', fields }, meta());
  return { submissionId: submitted.id, stageInstanceId: submitted.stages[0]?.id ?? '' };
}

/** Writes a grant the way the record holds one (hand-offs and escalations never grant the requester: this is the backstop). */
async function grant(placed: Placed, userId: string, kind: 'delegate' | 'escalation', onBehalfOf: string | null): Promise<void> {
  await t.orm.em.fork().execute('insert into stage_grant (stage_instance_id, user_id, kind, on_behalf_of, granted_at) values (?, ?, ?, ?, now())', [placed.stageInstanceId, userId, kind, onBehalfOf]);
}

let roles = 0;
const POSITIONS: Record<string, { capacity: Capacity['kind']; place: (cast: Cast) => Promise<Placed> }> = {
  'named approver': {
    capacity: 'named',
    place: (cast) => submitUnder(cast, { approvers: [{ type: 'user', userId: cast.who }, { type: 'user', userId: cast.bob }] }),
  },
  'member of the approving role': {
    capacity: 'role',
    async place(cast) {
      const role = `approvers_${roles++}`;
      await t.services.directory.setRole(t.teamId, t.admin, { name: role, members: [cast.who, cast.bob] }, meta());
      return submitUnder(cast, { approvers: [{ type: 'role', role }] });
    },
  },
  'person named in the approver field': {
    capacity: 'field',
    place: (cast) => submitUnder(cast, { approvers: [{ type: 'field', fieldId: 'approver' }, { type: 'user', userId: cast.bob }] }, { fields: [{ id: 'approver', label: 'Approver', type: 'user' }] }, { approver: cast.who }),
  },
  "the manager stage's manager": {
    capacity: 'manager',
    async place(cast) {
      // Admins cannot make someone their own manager, but a directory row can say so (an import, the top of the tree).
      await t.orm.em.fork().execute(
        'insert into user_manager (team_id, user_id, manager_id) values (?, ?, ?) on conflict (team_id, user_id) do update set manager_id = excluded.manager_id',
        [t.teamId, cast.requester, cast.who],
      );
      return submitUnder(cast, { approvers: [{ type: 'manager' }, { type: 'user', userId: cast.bob }] });
    },
  },
  'out-of-office delegate of an approver': {
    capacity: 'delegate',
    async place(cast) {
      const alice = uniqueUserId('ALICE');
      const now = t.clock.now.getTime();
      await t.services.directory.createDelegation({ teamId: t.teamId, fromUserId: alice, toUserId: cast.who, startsAt: new Date(now - 60_000), endsAt: new Date(now + 86_400_000) }, meta());
      return submitUnder(cast, { approvers: [{ type: 'user', userId: alice }, { type: 'user', userId: cast.bob }] });
    },
  },
  'person an approver handed the review to': {
    capacity: 'delegate',
    async place(cast) {
      const alice = uniqueUserId('ALICE');
      const placed = await submitUnder(cast, { approvers: [{ type: 'user', userId: alice }, { type: 'user', userId: cast.bob }] });
      const handOff = { teamId: t.teamId, submissionId: placed.submissionId, actorId: alice, kind: 'delegate' as const, delegateTo: cast.who, reason: 'away this week', stageInstanceId: placed.stageInstanceId, idempotencyKey: key() };
      if (cast.who !== cast.requester) {
        await t.services.decisions.decide(handOff, meta());
      } else {
        const refused = await t.services.decisions.decide(handOff, meta()).catch((e: unknown) => e);
        expect((refused as DomainError).code).toBe('invalid_delegate');
        await grant(placed, cast.who, 'delegate', alice);
      }
      return placed;
    },
  },
  'escalation target': {
    capacity: 'escalation',
    async place(cast) {
      const placed = await submitUnder(cast, { approvers: [{ type: 'user', userId: cast.bob }], slaHours: 1, escalateTo: [{ type: 'user', userId: cast.who }] });
      t.clock.now = new Date(t.clock.now.getTime() + 2 * 3_600_000);
      const { submission: escalated } = await t.services.decisions.decide({ kind: 'timeout', teamId: t.teamId, submissionId: placed.submissionId, stageInstanceId: placed.stageInstanceId }, meta());
      const targets = escalated.stages[0]?.grants.map((g) => g.userId);
      if (cast.who !== cast.requester) {
        expect(targets).toEqual([cast.who]);
      } else {
        // The requester is passed over: the escalation goes further along its chain (here, to the approval admins).
        expect(targets).not.toContain(cast.who);
        expect(targets?.length).toBeGreaterThan(0);
        await grant(placed, cast.who, 'escalation', null);
      }
      return placed;
    },
  },
};

const scopes: ApiScope[] = ['submissions:write', 'submissions:read'];
const tokenOf = async (userId: string) => (await api.services.apiTokens.createToken({ teamId: t.teamId, ownerId: userId, name: `self ${userId}`, scopes, createdBy: t.admin }, meta())).token;

type Outcome = { ok: true } | { ok: false; code: string; message: string };

/** Approves as `actorId`, naming the stage, through the decision service or the REST API. */
const approveVia: Record<'service' | 'REST API', (actorId: string, placed: Placed) => Promise<Outcome>> = {
  async service(actorId, placed) {
    try {
      await t.services.decisions.decide({ teamId: t.teamId, submissionId: placed.submissionId, actorId, kind: 'approve', stageInstanceId: placed.stageInstanceId, workflowVersion: 1, idempotencyKey: key() }, meta());
      return { ok: true };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { ok: false, code: error.code, message: error.message };
    }
  },
  async 'REST API'(actorId, placed) {
    const response = await call('POST', `/api/v1/submissions/${placed.submissionId}/actions`, await tokenOf(actorId), { kind: 'approve', stageInstanceId: placed.stageInstanceId, workflowVersion: 1 });
    if (response.status === 200) return { ok: true };
    expect(response.status).toBe(422);
    return { ok: false, code: response.body.error.code, message: response.body.error.message };
  },
};

const decisionsOn = async (placed: Placed) => (await t.services.submissions.get(t.teamId, placed.submissionId)).stages[0]?.decisions ?? [];

describe.each(Object.entries(POSITIONS))('the requester as %s', (_name, { capacity, place }) => {
  it.each(Object.keys(approveVia) as (keyof typeof approveVia)[])('is refused through the %s, where someone else in that position is accepted', async (via) => {
    const other: Cast = { requester: uniqueUserId('REQ'), who: uniqueUserId('WHO'), bob: uniqueUserId('BOB') };
    const control = await place(other);
    expect(await approveVia[via](other.who, control)).toEqual({ ok: true });
    expect((await decisionsOn(control)).filter((d) => d.kind === 'approve').map((d) => [d.actorId, d.capacity.kind])).toEqual([[other.who, capacity]]);

    const requester = uniqueUserId('REQ');
    const placed = await place({ requester, who: requester, bob: uniqueUserId('BOB') });
    const before = await decisionsOn(placed);
    expect(await approveVia[via](requester, placed)).toEqual({ ok: false, code: 'self_decision', message: 'You cannot decide on your own request.' });
    expect(await decisionsOn(placed)).toEqual(before);
    const trail = await t.services.audit.submissionTrail(placed.submissionId);
    expect(trail.filter((e) => e.type === 'decision.refused' && e.actorId === requester).map((e) => [e.stageInstanceId, e.details.code])).toEqual([[placed.stageInstanceId, 'self_decision']]);
    expect((await t.services.submissions.get(t.teamId, placed.submissionId)).status).toBe('in_review');
  });
});
