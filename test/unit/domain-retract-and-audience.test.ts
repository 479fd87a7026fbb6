import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DomainError, applyEvents, approvalCount, coverStage, decide, mayDecide, parseWorkflowDefinition, stageAudience, startSubmission,
  type ApprovalRule, type SubmissionState, type WorkflowDefinition, type WorkflowDefinitionInput,
} from '../../src/domain/index.ts';
import { directoryOf, ruleContext } from '../support/domain-fixtures.ts';

const REQ = 'UREQ';
const at = '2026-11-22T10:00:00.000Z';

function start(input: WorkflowDefinitionInput, directory = directoryOf()): { definition: WorkflowDefinition; state: SubmissionState } {
  const definition = parseWorkflowDefinition(input);
  const events = startSubmission(definition, { id: randomUUID(), teamId: 'T1', workflowVersion: 1, requesterId: REQ, title: 't', fields: {}, entityKey: null, predecessor: null }, ruleContext(directory));
  return { definition, state: applyEvents(null, events, at) };
}

const act = (state: SubmissionState, definition: WorkflowDefinition, actorId: string, kind: 'approve' | 'retract', directory = directoryOf(), reason?: string): SubmissionState =>
  applyEvents(state, decide(state, definition, { kind, actorId, ...(reason ? { reason } : {}) }, ruleContext(directory)), at);

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  throw new Error('expected a refusal');
}

const roleStage = (rule: ApprovalRule): WorkflowDefinitionInput => ({
  key: 'wf', name: 'Workflow', stages: [{ id: 's1', name: 'Review', step: 1, approvers: [{ type: 'role', role: 'fin' }], rule }],
});

describe('retracting an approval gives the say back', () => {
  const team = ['UA', 'UB', 'UC', 'UD'];
  const dir = directoryOf({ roles: { fin: team } });
  const rules: { rule: ApprovalRule; required: number }[] = [
    { rule: { kind: 'all' }, required: 4 },
    { rule: { kind: 'majority' }, required: 3 },
    { rule: { kind: 'at_least', count: 2 }, required: 2 },
  ];

  for (const { rule, required } of rules) {
    it(`counts quorum right for "${rule.kind}" when a reviewer approves, retracts and approves again`, () => {
      const { definition, state } = start(roleStage(rule), dir);
      let current = act(state, definition, 'UA', 'approve', dir);
      current = act(current, definition, 'UA', 'retract', dir, 'wrong amount');
      expect(approvalCount(current.stages[0] as never)).toBe(0);
      // The same person decides again: allowed, and it counts once.
      current = act(current, definition, 'UA', 'approve', dir);
      expect(approvalCount(current.stages[0] as never)).toBe(1);
      expect(refusal(() => act(current, definition, 'UA', 'approve', dir))).toBe('already_decided');
      for (const person of team.slice(1, required)) current = act(current, definition, person, 'approve', dir);
      expect(current.stages[0]?.status).toBe('approved');
      expect(current.status).toBe('approved');
    });
  }

  it('lets a delegate retract and decide again with the say they carry', () => {
    const delegations = directoryOf({ roles: { fin: ['UA', 'UB'] }, delegations: [{ id: 'd1', from: 'UA', to: 'UDEP' }] });
    const { definition, state } = start(roleStage({ kind: 'all' }), delegations);
    let current = act(state, definition, 'UDEP', 'approve', delegations);
    current = act(current, definition, 'UDEP', 'retract', delegations, 'looked again');
    expect(mayDecide('UDEP', current.stages[0] as never, definition, current, delegations)).toMatchObject({ kind: 'delegate', of: 'UA' });
    current = act(current, definition, 'UDEP', 'approve', delegations);
    current = act(current, definition, 'UB', 'approve', delegations);
    expect(current.status).toBe('approved');
  });
});

describe('who a stage asks', () => {
  const manager = (extra: Partial<WorkflowDefinitionInput['stages'][number]> = {}): WorkflowDefinitionInput => ({
    key: 'wf', name: 'Workflow', stages: [{ id: 'm', name: 'Manager review', step: 1, approvers: [{ type: 'manager' }], ...extra }],
  });

  it('never asks the requester, even as the delegate of the reviewer who is away', () => {
    const dir = directoryOf({ managers: { [REQ]: 'UMONA', UMONA: 'UOTTO' }, delegations: [{ id: 'd1', from: 'UMONA', to: REQ }] });
    const { definition, state } = start(manager(), dir);
    const stage = state.stages[0] as never;
    const audience = stageAudience(stage, definition, state, dir);
    expect(audience.asked.map((a) => [a.userId, a.card])).toEqual([['UMONA', 'reviewer']]);
    expect(audience.uncovered).toEqual(['UMONA']);
    expect(audience.needsCover).toBe(true);
    expect(mayDecide(REQ, stage, definition, state, dir)).toBeNull();
  });

  it('sends a delegate card to someone else covering for the reviewer, and needs no cover then', () => {
    const dir = directoryOf({ managers: { [REQ]: 'UMONA' }, delegations: [{ id: 'd1', from: 'UMONA', to: 'UNED' }] });
    const { definition, state } = start(manager(), dir);
    const audience = stageAudience(state.stages[0] as never, definition, state, dir);
    expect(audience.asked.map((a) => [a.userId, a.card, a.delegationId])).toEqual([['UMONA', 'reviewer', null], ['UNED', 'delegate', 'd1']]);
    expect(audience.needsCover).toBe(false);
  });

  it('escalates a stage only the requester could move: the away reviewer\'s manager, then the escalation target, then the admins', () => {
    const away = [{ id: 'd1', from: 'UMONA', to: REQ }];
    const withManager = directoryOf({ managers: { [REQ]: 'UMONA', UMONA: 'UOTTO' }, delegations: away });
    const first = start(manager({ escalateTo: [{ type: 'user', userId: 'UESC' }] }), withManager);
    const [escalated] = coverStage(first.state, first.definition, first.state.stages[0]?.id ?? '', ['UADMIN'], ruleContext(withManager));
    expect(escalated).toMatchObject({ type: 'stage.escalated', details: { targets: ['UOTTO'] }, capacity: { kind: 'system' } });
    expect(escalated?.reason).toContain('Nobody but the requester could decide for <@UMONA>');

    const noManager = directoryOf({ managers: { [REQ]: 'UMONA' }, delegations: away });
    const second = start(manager({ escalateTo: [{ type: 'user', userId: 'UESC' }] }), noManager);
    expect(coverStage(second.state, second.definition, second.state.stages[0]?.id ?? '', ['UADMIN'], ruleContext(noManager))[0]?.details).toMatchObject({ targets: ['UESC'] });

    const third = start(manager(), noManager);
    const byAdmins = coverStage(third.state, third.definition, third.state.stages[0]?.id ?? '', ['UADMIN', REQ], ruleContext(noManager));
    expect(byAdmins[0]?.details).toMatchObject({ targets: ['UADMIN'] });
    const after = applyEvents(third.state, byAdmins, at);
    // Once covered, asking again does nothing, and the admin may decide.
    expect(coverStage(after, third.definition, after.stages[0]?.id ?? '', ['UADMIN'], ruleContext(noManager))).toEqual([]);
    expect(mayDecide('UADMIN', after.stages[0] as never, third.definition, after, noManager)).toEqual({ kind: 'escalation' });
  });

  it('needs no cover while someone present can still bring the stage to quorum', () => {
    const dir = directoryOf({ roles: { fin: ['UMONA', 'UNED'] }, delegations: [{ id: 'd1', from: 'UMONA', to: REQ }] });
    const any = start(roleStage({ kind: 'any' }), dir);
    expect(stageAudience(any.state.stages[0] as never, any.definition, any.state, dir).needsCover).toBe(false);
    const all = start(roleStage({ kind: 'all' }), dir);
    expect(stageAudience(all.state.stages[0] as never, all.definition, all.state, dir).needsCover).toBe(true);
  });
});
