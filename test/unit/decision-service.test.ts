/**
 * The decision service against in-memory fakes of its narrow dependencies: fast cases for what the door itself
 * does (parse, sync, judge, record, replay). The same door on real Postgres is covered by the integration tests.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DomainError, applyEvents, parseWorkflowDefinition, startSubmission, type SubmissionState, type WorkflowDefinition, type WorkflowDefinitionInput,
} from '../../src/domain/index.ts';
import type { ClosingWrites } from '../../src/db/transaction.ts';
import { createDecisionService, type DecisionStorePort } from '../../src/services/decisions/decision-service.ts';
import type { RequestMeta } from '../../src/services/deps.ts';
import { directoryOf, ruleContext } from '../support/domain-fixtures.ts';

const TEAM = 'TFAKE1';
const REQUESTER = 'UREQ1';
const ALICE = 'UALICE1';
const BOB = 'UBOB1';
const ADMIN = 'UADMIN1';
const VERSION_ID = randomUUID();
const meta: RequestMeta = { origin: { kind: 'slack', teamId: TEAM }, traceId: 't' };
const now = new Date('2026-11-22T10:00:00Z');

const workflow: WorkflowDefinitionInput = {
  key: 'access', name: 'Access', stages: [{ id: 'owners', name: 'Owners', step: 1, approvers: [{ type: 'role', role: 'owners' }], rule: { kind: 'all' }, slaHours: 24 }],
};

function requestOf(definition: WorkflowDefinition): SubmissionState {
  const events = startSubmission(definition, {
    id: randomUUID(), teamId: TEAM, workflowVersion: 1, requesterId: REQUESTER, title: 'Database access', fields: {}, entityKey: null, predecessor: null,
  }, ruleContext(directoryOf({ roles: { owners: [ALICE, BOB] } }), now));
  return applyEvents(null, events, now.toISOString());
}

/** A store that keeps requests and outcomes in maps, and every commit's closing writes. */
function fakeStore(initial: SubmissionState, boundRoles = new Map<string, string>()) {
  const requests = new Map([[initial.id, initial]]);
  const outcomes = new Map<string, unknown>();
  const commits: ClosingWrites[] = [];
  const scopes: Parameters<DecisionStorePort['run']>[0][] = [];
  const versionReads: string[] = [];
  const store: DecisionStorePort = {
    async versionOf(teamId, submissionId) {
      versionReads.push(submissionId);
      const found = requests.get(submissionId);
      return found && found.teamId === teamId ? VERSION_ID : null;
    },
    async run(scope, work, closing) {
      scopes.push(scope);
      if (scope.idempotencyKey && outcomes.has(scope.idempotencyKey)) return { replayed: true, outcome: outcomes.get(scope.idempotencyKey) };
      const before = requests.get(scope.submissionId);
      let after: SubmissionState | null = null;
      let outcome: unknown = null;
      // A throwing `work` leaves nothing written, as a rolled-back transaction does.
      const result = await work({
        loaded: before ? { state: before, workflowVersionId: VERSION_ID } : null,
        directory: directoryOf({ roles: { owners: [ALICE, BOB] } }),
        boundRoles: scope.boundRoles ? boundRoles : new Map(),
        saveSubmission: (_before, changed) => {
          after = changed;
        },
        saveOutcome: (stored) => {
          outcome = stored;
        },
      });
      if (after) requests.set(scope.submissionId, after);
      if (scope.idempotencyKey) outcomes.set(scope.idempotencyKey, outcome);
      commits.push(closing());
      return { replayed: false, result, appended: [] };
    },
  };
  return { store, requests, commits, scopes, versionReads };
}

function service(options: { state: SubmissionState; definition: WorkflowDefinition; boundRoles?: Map<string, string>; sync?: (roles: readonly string[]) => Promise<void>; clock?: () => Date }) {
  const fake = fakeStore(options.state, options.boundRoles);
  const synced: { roles: readonly string[]; bound: ReadonlyMap<string, string> | undefined }[] = [];
  const decisions = createDecisionService({
    store: fake.store,
    current: async (id) => {
      const found = fake.requests.get(id);
      return found ? { state: found, workflowVersionId: VERSION_ID } : null;
    },
    versions: { definitionOf: async (id) => {
      if (id !== VERSION_ID) throw new Error(`unexpected version ${id}`);
      return options.definition;
    } },
    roleSync: {
      bringUpToDate: async (_team, roles, _meta, bound) => {
        synced.push({ roles, bound });
        await options.sync?.(roles);
      },
      boundAmong: (roles, bound) => new Map([...bound].filter(([role]) => roles.includes(role))),
    },
    admins: { isAdmin: async (_team, user) => user === ADMIN, list: async () => [ADMIN], configuredFor: () => [ADMIN] },
    clock: options.clock ?? (() => now),
    newId: randomUUID,
  });
  return { decisions, ...fake, synced };
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const setup = (extra: Partial<Parameters<typeof service>[0]> = {}) => {
  const definition = parseWorkflowDefinition(workflow);
  const state = requestOf(definition);
  const stage = state.stages[0];
  if (!stage) throw new Error('no open stage');
  return { definition, state, stage, ...service({ state, definition, ...extra }) };
};

describe('the decision service', () => {
  it('records an accepted decision: state, audit event and outbox message in one commit, and returns the decided state', async () => {
    const t = setup();
    const result = await t.decisions.decide({ kind: 'approve', teamId: TEAM, submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: ALICE, idempotencyKey: 'click-alice-1' }, meta);
    expect(result).toMatchObject({ result: 'accepted', kind: 'approve', replayed: false, events: ['decision.approved'], submissionStatus: 'in_review' });
    expect(result.submission.stages[0]?.decisions.map((d) => [d.actorId, d.kind])).toEqual([[ALICE, 'approve']]);
    expect(t.commits).toHaveLength(1);
    expect(t.commits[0]?.audit.map((e) => e.type)).toEqual(['decision.approved']);
    expect(t.commits[0]?.outbox.map((m) => m.topic)).toEqual(['decision.approved']);
    // The directory slice is read for the workflow's roles and everyone the request names plus the actor.
    expect(t.scopes[0]?.directory).toMatchObject({ roles: ['owners'], extraPeople: [ALICE] });
  });

  it('returns the first outcome for the same key and writes nothing the second time', async () => {
    const t = setup();
    const click = { kind: 'approve', teamId: TEAM, submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: ALICE, idempotencyKey: 'click-alice-2' } as const;
    await t.decisions.decide(click, meta);
    const again = await t.decisions.decide(click, meta);
    expect(again).toMatchObject({ result: 'accepted', kind: 'approve', replayed: true });
    expect(t.commits).toHaveLength(1);
    expect(again.submission.stages[0]?.decisions).toHaveLength(1);
  });

  it('records a refusal (audit event, and a redraw of the person\'s card) and throws it, again for the same key', async () => {
    const t = setup();
    const outsider = { kind: 'approve', teamId: TEAM, submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: 'UOUT1', idempotencyKey: 'click-out-1' } as const;
    expect((await refusal(t.decisions.decide(outsider, meta))).code).toBe('not_eligible');
    expect(t.commits[0]?.audit.map((e) => [e.type, e.actorId, e.details.code])).toEqual([['decision.refused', 'UOUT1', 'not_eligible']]);
    expect(t.commits[0]?.outbox).toEqual([{ topic: 'decision.refused', submissionId: t.state.id, payload: { submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: 'UOUT1' } }]);
    expect((await refusal(t.decisions.decide(outsider, meta))).code).toBe('not_eligible');
    expect(t.commits).toHaveLength(1);
  });

  it('refuses the requester on the card path (a stage id given) and records nothing else', async () => {
    const t = setup();
    const self = await refusal(t.decisions.decide({ kind: 'approve', teamId: TEAM, submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: REQUESTER, idempotencyKey: 'click-self-1' }, meta));
    expect(self.code).toBe('self_decision');
    expect(t.requests.get(t.state.id)?.stages[0]?.decisions).toEqual([]);
  });

  it('brings the workflow\'s bound roles up to date before deciding, and only those: the first transaction is left unwritten', async () => {
    const order: string[] = [];
    const t = setup({ boundRoles: new Map([['owners', 'SOWNERS'], ['unrelated', 'SOTHER']]), sync: async () => { order.push('sync'); } });
    const run = t.store.run.bind(t.store);
    t.store.run = async (...args) => {
      order.push('run');
      return run(...args);
    };
    await t.decisions.decide({ kind: 'approve', teamId: TEAM, submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: BOB, idempotencyKey: 'click-bob-1' }, meta);
    expect(order).toEqual(['run', 'sync', 'run']);
    expect(t.synced).toEqual([{ roles: ['owners'], bound: new Map([['owners', 'SOWNERS'], ['unrelated', 'SOTHER']]) }]);
    // The bindings are read with the request the first time, not again once synced; one commit in all.
    expect(t.scopes.map((s) => s.boundRoles)).toEqual([true, false]);
    expect(t.commits).toHaveLength(1);
    expect(t.requests.get(t.state.id)?.stages[0]?.decisions.map((d) => d.actorId)).toEqual([BOB]);
  });

  it('decides in one transaction, syncing nothing, when none of the workflow\'s roles follows a user group', async () => {
    const t = setup({ boundRoles: new Map([['unrelated', 'SOTHER']]) });
    await t.decisions.decide({ kind: 'approve', teamId: TEAM, submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: BOB, idempotencyKey: 'click-bob-2' }, meta);
    expect(t.scopes).toHaveLength(1);
    expect(t.synced).toEqual([]);
  });

  it('reads a request\'s workflow version once, and a remembered request still answers only for its own workspace', async () => {
    const t = setup();
    await t.decisions.decide({ kind: 'approve', teamId: TEAM, submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: ALICE, idempotencyKey: 'click-alice-4' }, meta);
    await t.decisions.decide({ kind: 'approve', teamId: TEAM, submissionId: t.state.id, stageInstanceId: t.stage.id, actorId: BOB, idempotencyKey: 'click-bob-3' }, meta);
    expect(t.versionReads).toEqual([t.state.id]);
    expect(t.requests.get(t.state.id)?.stages[0]?.decisions.map((d) => d.actorId)).toEqual([ALICE, BOB]);
    const wrongTeam = await refusal(t.decisions.decide({ kind: 'approve', teamId: 'TOTHER1', submissionId: t.state.id, actorId: ALICE, idempotencyKey: 'click-alice-5' }, meta));
    expect(wrongTeam.code).toBe('not_found');
    expect(t.scopes).toHaveLength(2);
  });

  it('answers not_found for a request of another workspace without opening a transaction', async () => {
    const t = setup();
    const wrongTeam = await refusal(t.decisions.decide({ kind: 'approve', teamId: 'TOTHER1', submissionId: t.state.id, actorId: ALICE, idempotencyKey: 'click-alice-3' }, meta));
    expect(wrongTeam.code).toBe('not_found');
    expect(t.scopes).toEqual([]);
  });

  it('refuses input that is not a decision, naming the fields', async () => {
    const t = setup();
    const bad = await refusal(t.decisions.decide({ kind: 'approve', teamId: TEAM, submissionId: 'not-a-uuid', actorId: 'nobody', idempotencyKey: 'short' }, meta));
    expect(bad.code).toBe('invalid_input');
    expect(Object.keys(bad.fieldErrors).sort()).toEqual(['actorId', 'idempotencyKey', 'submissionId']);
  });

  it('takes an SLA timeout through the same door: nothing before the deadline, the timeout action after it', async () => {
    let clock = now;
    const definition = parseWorkflowDefinition({ ...workflow, stages: [{ ...workflow.stages[0], onTimeout: 'auto_approve' } as WorkflowDefinitionInput['stages'][number]] });
    const state = requestOf(definition);
    const t = service({ state, definition, clock: () => clock });
    const stageInstanceId = state.stages[0]?.id ?? '';
    const early = await t.decisions.decide({ kind: 'timeout', teamId: TEAM, submissionId: state.id, stageInstanceId }, meta);
    expect(early.events).toEqual([]);
    clock = new Date(now.getTime() + 25 * 3_600_000);
    const late = await t.decisions.decide({ kind: 'timeout', teamId: TEAM, submissionId: state.id, stageInstanceId }, meta);
    expect(late).toMatchObject({ kind: 'timeout', submissionStatus: 'approved', events: ['stage.approved', 'submission.approved'] });
    expect(t.scopes.map((s) => s.idempotencyKey)).toEqual([null, null]);
  });

  it('lets only an approval admin cancel, and only the requester withdraw', async () => {
    const t = setup();
    expect((await refusal(t.decisions.decide({ kind: 'cancel', teamId: TEAM, submissionId: t.state.id, actorId: ALICE, reason: 'duplicate' }, meta))).code).toBe('forbidden');
    expect((await refusal(t.decisions.decide({ kind: 'withdraw', teamId: TEAM, submissionId: t.state.id, actorId: ALICE }, meta))).code).toBe('not_requester');
    const cancelled = await t.decisions.decide({ kind: 'cancel', teamId: TEAM, submissionId: t.state.id, actorId: ADMIN, reason: 'duplicate' }, meta);
    expect(cancelled).toMatchObject({ kind: 'cancel', submissionStatus: 'cancelled' });
    // Withdraw and cancel do not depend on role membership: nothing is synced for them.
    expect(t.synced).toEqual([]);
  });
});
