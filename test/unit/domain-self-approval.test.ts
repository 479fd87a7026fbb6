/**
 * The requester never decides on their own request, in whatever capacity they would otherwise hold, and whether
 * or not the decision names the stage (cards and the API name it; "whatever is open for me" does not). Each case
 * first shows that someone else in the same position may decide, so the refusal is about the requester.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DomainError, applyEvents, capacityOf, decide, parseWorkflowDefinition, startSubmission, timeoutStage,
  type Capacity, type Directory, type SubmissionEvent, type SubmissionState, type WorkflowDefinition, type WorkflowDefinitionInput,
} from '../../src/domain/index.ts';
import { directoryOf, ruleContext } from '../support/domain-fixtures.ts';

const REQ = 'UREQUESTER';
const OTHER = 'UOTHERPERSON';
const ALICE = 'UALICE';
const BOB = 'UBOB';
const at = '2026-11-22T10:00:00.000Z';
const later = new Date('2026-11-30T10:00:00Z');

interface Position {
  readonly definition: WorkflowDefinition;
  readonly directory: Directory;
  readonly state: SubmissionState;
}

function started(input: WorkflowDefinitionInput, directory: Directory, fields: Record<string, string> = {}): Position {
  const definition = parseWorkflowDefinition(input);
  const events = startSubmission(definition, { id: randomUUID(), teamId: 'T1', workflowVersion: 1, requesterId: REQ, title: 'Laptop', fields, entityKey: null, predecessor: null }, ruleContext(directory));
  return { definition, directory, state: applyEvents(null, events, at) };
}

const workflow = (approvers: WorkflowDefinitionInput['stages'][number]['approvers'], stage: Partial<WorkflowDefinitionInput['stages'][number]> = {}, extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput => ({
  key: 'wf', name: 'Workflow', ...extra, stages: [{ id: 'review', name: 'Review', step: 1, approvers, ...stage }],
});

const openStage = (state: SubmissionState) => {
  const stage = state.stages.find((s) => s.status === 'open');
  if (!stage) throw new Error('no open stage');
  return stage;
};

/** A hand-off or escalation grant written straight into the state, the way the record would hold one. */
function withGrant(position: Position, grant: { kind: 'delegate'; from: string; to: string } | { kind: 'escalation'; to: string }): Position {
  const stage = openStage(position.state);
  const base = { submissionId: position.state.id, stageInstanceId: stage.id, stageId: stage.stageId };
  const event = (grant.kind === 'delegate'
    ? { ...base, type: 'decision.delegated', actorId: grant.from, capacity: { kind: 'named' }, reason: 'away this week', details: { decisionId: randomUUID(), principalId: grant.from, delegateTo: grant.to } }
    : { ...base, type: 'stage.escalated', actorId: null, capacity: { kind: 'system', rule: 'SLA passed' }, reason: 'SLA passed', details: { targets: [grant.to], overdueBy: 1000 } }) as SubmissionEvent;
  return { ...position, state: applyEvents(position.state, [event], at) };
}

/** Each capacity a person can hold on a stage, set up for `who`. */
const POSITIONS: Record<string, { capacity: Capacity['kind']; place: (who: string) => Position }> = {
  'named approver': {
    capacity: 'named',
    place: (who) => started(workflow([{ type: 'user', userId: who }, { type: 'user', userId: BOB }]), directoryOf()),
  },
  'member of the approving role': {
    capacity: 'role',
    place: (who) => started(workflow([{ type: 'role', role: 'finance' }]), directoryOf({ roles: { finance: [who, BOB] } })),
  },
  'person named in the approver field': {
    capacity: 'field',
    place: (who) => started(
      workflow([{ type: 'field', fieldId: 'approver' }, { type: 'user', userId: BOB }], {}, { fields: [{ id: 'approver', label: 'Approver', type: 'user' }] }),
      directoryOf(), { approver: who },
    ),
  },
  "the manager stage's manager": {
    capacity: 'manager',
    // A directory may say the requester manages themselves (an import, a top of the hierarchy).
    place: (who) => started(workflow([{ type: 'manager' }, { type: 'user', userId: BOB }]), directoryOf({ managers: { [REQ]: who } })),
  },
  'out-of-office delegate of an approver': {
    capacity: 'delegate',
    place: (who) => started(workflow([{ type: 'user', userId: ALICE }, { type: 'user', userId: BOB }]), directoryOf({ delegations: [{ id: 'd1', from: ALICE, to: who }] })),
  },
  'person an approver handed the review to': {
    capacity: 'delegate',
    place: (who) => withGrant(started(workflow([{ type: 'user', userId: ALICE }, { type: 'user', userId: BOB }]), directoryOf()), { kind: 'delegate', from: ALICE, to: who }),
  },
  'escalation target': {
    capacity: 'escalation',
    place: (who) => withGrant(started(workflow([{ type: 'user', userId: BOB }]), directoryOf()), { kind: 'escalation', to: who }),
  },
};

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected the decision to be refused');
}

const FINAL_DECISIONS = [
  { kind: 'approve' },
  { kind: 'reject', reason: 'too expensive' },
  { kind: 'request_changes', reason: 'add a quote' },
  { kind: 'delegate', reason: 'away', delegateTo: 'UCAROL' },
  { kind: 'retract', reason: 'wrong amount' },
] as const;

describe.each(Object.entries(POSITIONS))('the requester as %s', (_name, { capacity, place }) => {
  it(`someone else in that position may approve, as ${capacity}`, () => {
    const { definition, directory, state } = place(OTHER);
    const events = decide(state, definition, { kind: 'approve', actorId: OTHER, stageInstanceId: openStage(state).id }, ruleContext(directory));
    expect(events[0]).toMatchObject({ type: 'decision.approved', actorId: OTHER, capacity: { kind: capacity } });
  });

  it('holds no capacity there (what the Home tab and the queue ask), where someone else holds it', () => {
    const mine = place(REQ);
    expect(capacityOf(REQ, openStage(mine.state), mine.definition, mine.state, mine.directory)).toBeNull();
    const theirs = place(OTHER);
    expect(capacityOf(OTHER, openStage(theirs.state), theirs.definition, theirs.state, theirs.directory)).toMatchObject({ kind: capacity });
  });

  it.each(FINAL_DECISIONS)('cannot $kind on a card that names the stage', (command) => {
    const { definition, directory, state } = place(REQ);
    const error = refusal(() => decide(state, definition, { ...command, actorId: REQ, stageInstanceId: openStage(state).id, workflowVersion: 1 }, ruleContext(directory)));
    expect(error.code).toBe('self_decision');
    expect(error.message).toBe('You cannot decide on your own request.');
  });

  it('cannot approve without naming the stage either', () => {
    const { definition, directory, state } = place(REQ);
    expect(refusal(() => decide(state, definition, { kind: 'approve', actorId: REQ }, ruleContext(directory))).code).toBe('self_decision');
  });

  it('may still comment, as the requester, without it counting', () => {
    const { definition, directory, state } = place(REQ);
    const events = decide(state, definition, { kind: 'comment', actorId: REQ, stageInstanceId: openStage(state).id, reason: 'Quote attached' }, ruleContext(directory));
    expect(events.map((e) => [e.type, e.capacity?.kind])).toEqual([['decision.commented', 'requester']]);
  });
});

describe('the requester never gets a seat on their own request in the first place', () => {
  it('is left out of the pool even when named, in a role, in a field or as their own manager', () => {
    for (const name of ['named approver', 'member of the approving role', 'person named in the approver field', "the manager stage's manager"]) {
      expect(openStage(POSITIONS[name]?.place(REQ).state as SubmissionState).pool, name).toEqual([BOB]);
    }
  });

  it('cannot be handed the review', () => {
    const { definition, directory, state } = started(workflow([{ type: 'user', userId: ALICE }]), directoryOf());
    const error = refusal(() => decide(state, definition, { kind: 'delegate', actorId: ALICE, delegateTo: REQ, reason: 'away', stageInstanceId: openStage(state).id }, ruleContext(directory)));
    expect(error.code).toBe('invalid_delegate');
  });

  it('is not an escalation target, whether named or as a pending reviewer\'s manager', () => {
    for (const stage of [{ escalateTo: [{ type: 'user' as const, userId: REQ }, { type: 'user' as const, userId: OTHER }] }, {}]) {
      const directory = directoryOf({ managers: { [BOB]: REQ } });
      const { definition, state } = started(workflow([{ type: 'user', userId: BOB }], { slaHours: 1, ...stage }), directory);
      const events = timeoutStage(state, definition, openStage(state).id, ruleContext(directory, later));
      expect(events).toMatchObject([{ type: 'stage.escalated' }]);
      expect(events[0]?.details).toMatchObject({ targets: 'escalateTo' in stage ? [OTHER] : [] });
    }
  });
});
