import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DomainError, applyEvents, approvalCount, decide, parseWorkflowDefinition, pendingReviewers, startSubmission, timeoutStage,
  type SubmissionEvent, type SubmissionState, type WorkflowDefinition, type WorkflowDefinitionInput,
} from '../../src/domain/index.ts';
import { directoryOf, ruleContext } from '../support/domain-fixtures.ts';

const REQ = 'UREQ';
const at = '2026-11-22T10:00:00.000Z';

function start(input: WorkflowDefinitionInput, directory = directoryOf(), fields: Record<string, string | number> = {}): { definition: WorkflowDefinition; state: SubmissionState } {
  const definition = parseWorkflowDefinition(input);
  const events = startSubmission(definition, { id: randomUUID(), teamId: 'T1', workflowVersion: 1, requesterId: REQ, title: 't', fields, entityKey: null, predecessor: null }, ruleContext(directory));
  return { definition, state: applyEvents(null, events, at) };
}

function act(state: SubmissionState, definition: WorkflowDefinition, actorId: string, kind: 'approve' | 'reject' | 'request_changes' | 'delegate' | 'retract' | 'comment', extra: { reason?: string; delegateTo?: string; stageInstanceId?: string } = {}, directory = directoryOf()): { state: SubmissionState; events: SubmissionEvent[] } {
  const events = decide(state, definition, { kind, actorId, ...extra }, ruleContext(directory));
  return { state: applyEvents(state, events, at), events };
}

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  throw new Error('expected a refusal');
}

const oneStage = (approvers: WorkflowDefinitionInput['stages'][number]['approvers'], extra: Partial<WorkflowDefinitionInput['stages'][number]> = {}): WorkflowDefinitionInput => ({
  key: 'wf', name: 'Workflow', stages: [{ id: 's1', name: 'Review', step: 1, approvers, ...extra }],
});

describe('gated decisions', () => {
  it('never lets the requester decide, even when named as an approver', () => {
    const { definition, state } = start(oneStage([{ type: 'user', userId: REQ }, { type: 'user', userId: 'UBOB' }]));
    expect(state.stages[0]?.pool).toEqual(['UBOB']);
    expect(refused(() => act(state, definition, REQ, 'approve'))).toBe('self_decision');
    expect(refused(() => act(state, definition, REQ, 'approve', { stageInstanceId: state.stages[0]?.id as string }))).toBe('self_decision');
  });

  it('refuses a stage with nobody to approve at submission, naming the missing manager', () => {
    expect(() => start(oneStage([{ type: 'manager' }]))).toThrow(/no manager is set for you/);
  });

  it('lets a delegate act for the delegator once, and the delegator not again', () => {
    const directory = directoryOf({ delegations: [{ id: 'd1', from: 'UALICE', to: 'UDAVE' }] });
    const { definition, state } = start(oneStage([{ type: 'user', userId: 'UALICE' }, { type: 'user', userId: 'UBOB' }], { rule: { kind: 'all' } }));
    const afterDave = act(state, definition, 'UDAVE', 'approve', {}, directory);
    expect(afterDave.events[0]).toMatchObject({ capacity: { kind: 'delegate', of: 'UALICE', delegationId: 'd1' } });
    expect(refused(() => act(afterDave.state, definition, 'UALICE', 'approve', {}, directory))).toBe('already_decided');
    expect(act(afterDave.state, definition, 'UBOB', 'approve').state.status).toBe('approved');
  });

  it('hands a review to someone with a reason, and their approval counts for the one who delegated', () => {
    const { definition, state } = start(oneStage([{ type: 'user', userId: 'UALICE' }]));
    expect(refused(() => act(state, definition, 'UALICE', 'delegate', { delegateTo: 'UCAROL' }))).toBe('reason_required');
    expect(refused(() => act(state, definition, 'UALICE', 'delegate', { delegateTo: REQ, reason: 'x' }))).toBe('invalid_delegate');
    const handed = act(state, definition, 'UALICE', 'delegate', { delegateTo: 'UCAROL', reason: 'on leave' });
    expect(pendingReviewers(handed.state.stages[0] as never)).toEqual(['UCAROL']);
    const done = act(handed.state, definition, 'UCAROL', 'approve');
    expect(done.events[0]).toMatchObject({ capacity: { kind: 'delegate', of: 'UALICE' } });
    expect(done.state.status).toBe('approved');
  });

  it('retracts an approval while the stage is open, with a reason', () => {
    const { definition, state } = start(oneStage([{ type: 'role', role: 'fin' }], { rule: { kind: 'at_least', count: 2 } }), directoryOf({ roles: { fin: ['UA', 'UB', 'UC'] } }));
    const dir = directoryOf({ roles: { fin: ['UA', 'UB', 'UC'] } });
    const one = act(state, definition, 'UA', 'approve', {}, dir);
    expect(refused(() => act(one.state, definition, 'UA', 'retract', {}, dir))).toBe('reason_required');
    const retracted = act(one.state, definition, 'UA', 'retract', { reason: 'wrong amount' }, dir);
    expect(approvalCount(retracted.state.stages[0] as never)).toBe(0);
    expect(refused(() => act(retracted.state, definition, 'UB', 'retract', { reason: 'x' }, dir))).toBe('nothing_to_retract');
  });

  it('limits a person to one approved stage when the workflow says so', () => {
    const input: WorkflowDefinitionInput = {
      key: 'wf', name: 'W', oneStagePerApprover: true,
      stages: [
        { id: 'a', name: 'A', step: 1, approvers: [{ type: 'user', userId: 'UXRAY' }] },
        { id: 'b', name: 'B', step: 2, approvers: [{ type: 'user', userId: 'UXRAY' }, { type: 'user', userId: 'UYANK' }] },
      ],
    };
    const { definition, state } = start(input);
    const first = act(state, definition, 'UXRAY', 'approve');
    expect(refused(() => act(first.state, definition, 'UXRAY', 'approve'))).toBe('one_stage_per_person');
    expect(act(first.state, definition, 'UYANK', 'approve').state.status).toBe('approved');
  });

  it('runs stages that share a step in parallel, and a rejection in one closes the other', () => {
    const input: WorkflowDefinitionInput = {
      key: 'wf', name: 'W',
      stages: [
        { id: 'legal', name: 'Legal', step: 1, approvers: [{ type: 'user', userId: 'ULEGAL' }] },
        { id: 'sec', name: 'Security', step: 1, approvers: [{ type: 'user', userId: 'USEC' }] },
        { id: 'cfo', name: 'CFO', step: 2, approvers: [{ type: 'user', userId: 'UCFO' }] },
      ],
    };
    const { definition, state } = start(input);
    expect(state.stages.map((s) => s.stageId)).toEqual(['legal', 'sec']);
    const legal = act(state, definition, 'ULEGAL', 'approve');
    expect(legal.state.stages.map((s) => s.stageId)).toEqual(['legal', 'sec']);
    const rejected = act(legal.state, definition, 'USEC', 'reject', { reason: 'no DPA' });
    expect(rejected.state.status).toBe('rejected');
    expect(rejected.events.map((e) => e.type)).toEqual(['decision.rejected', 'stage.rejected', 'submission.rejected']);
    const both = act(act(state, definition, 'USEC', 'approve').state, definition, 'ULEGAL', 'approve');
    expect(both.state.stages.map((s) => [s.stageId, s.status])).toEqual([['legal', 'approved'], ['sec', 'approved'], ['cfo', 'open']]);
  });

  it('asks which stage when a person can act on two parallel stages', () => {
    const { definition, state } = start({
      key: 'wf', name: 'W',
      stages: [
        { id: 'a', name: 'A', step: 1, approvers: [{ type: 'user', userId: 'UXRAY' }] },
        { id: 'b', name: 'B', step: 1, approvers: [{ type: 'user', userId: 'UXRAY' }] },
      ],
    });
    expect(refused(() => act(state, definition, 'UXRAY', 'approve'))).toBe('ambiguous_stage');
    expect(act(state, definition, 'UXRAY', 'approve', { stageInstanceId: state.stages[1]?.id as string }).state.stages[1]?.status).toBe('approved');
  });

  it('lets the requester comment without it counting', () => {
    const { definition, state } = start(oneStage([{ type: 'user', userId: 'UBOB' }]));
    const commented = act(state, definition, REQ, 'comment', { reason: 'Quote attached' });
    expect(commented.events[0]).toMatchObject({ type: 'decision.commented', capacity: { kind: 'requester' } });
    expect(commented.state.status).toBe('in_review');
  });
});

describe('stage timeouts', () => {
  const later = new Date('2026-11-25T10:00:00Z');
  it('escalates once to the pending reviewers\' managers, who may then decide', () => {
    const directory = directoryOf({ managers: { UBOB: 'UBOSSY' } });
    const { definition, state } = start(oneStage([{ type: 'user', userId: 'UBOB' }], { slaHours: 24 }), directory);
    const stageId = state.stages[0]?.id as string;
    expect(timeoutStage(state, definition, stageId, ruleContext(directory, new Date('2026-11-22T11:00:00Z')))).toEqual([]);
    const events = timeoutStage(state, definition, stageId, ruleContext(directory, later));
    expect(events[0]).toMatchObject({ type: 'stage.escalated', details: { targets: ['UBOSSY'] }, capacity: { kind: 'system' } });
    const escalated = applyEvents(state, events, at);
    expect(timeoutStage(escalated, definition, stageId, ruleContext(directory, later))).toEqual([]);
    const decided = act(escalated, definition, 'UBOSSY', 'approve');
    expect(decided.events[0]).toMatchObject({ capacity: { kind: 'escalation' } });
    expect(decided.state.status).toBe('approved');
  });

  it('auto-approves or auto-rejects as the stage says, recorded as the system, in words', () => {
    for (const [action, status] of [['auto_approve', 'approved'], ['auto_reject', 'rejected']] as const) {
      const { definition, state } = start(oneStage([{ type: 'user', userId: 'UBOB' }], { onTimeout: action, slaHours: 24 }));
      const events = timeoutStage(state, definition, state.stages[0]?.id as string, ruleContext(directoryOf(), later));
      expect(applyEvents(state, events, at).status).toBe(status);
      expect(events[0]?.capacity).toEqual({ kind: 'system', rule: 'stage "Review" had no decision within its 24 h SLA' });
      expect(events[0]?.reason).toBe(`${status} automatically: no decision within the 24 h SLA`);
      expect(JSON.stringify(events)).not.toContain(action);
    }
  });
});
