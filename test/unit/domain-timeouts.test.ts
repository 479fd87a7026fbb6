import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  applyEvents, formatDuration, parseWorkflowDefinition, startSubmission, stageTiming, timedOutOutcome, timeoutStage,
  type SubmissionState, type WorkflowDefinition, type WorkflowDefinitionInput,
} from '../../src/domain/index.ts';
import { directoryOf, ruleContext } from '../support/domain-fixtures.ts';

const REQ = 'UREQ';
const opened = new Date('2026-11-22T10:00:00.000Z');
const due = new Date('2026-11-23T10:00:00.000Z');

type StageInput = Partial<WorkflowDefinitionInput['stages'][number]>;
function start(stage: StageInput, directory = directoryOf()): { definition: WorkflowDefinition; state: SubmissionState } {
  const definition = parseWorkflowDefinition({ key: 'wf', name: 'Workflow', stages: [{ id: 's1', name: 'Review', step: 1, approvers: [{ type: 'user', userId: 'UBOB' }], slaHours: 24, ...stage }] });
  const events = startSubmission(definition, { id: randomUUID(), teamId: 'T1', workflowVersion: 1, requesterId: REQ, title: 't', fields: {}, entityKey: null, predecessor: null }, ruleContext(directory, opened));
  return { definition, state: applyEvents(null, events, opened.toISOString()) };
}
const escalate = (stage: StageInput, directory: ReturnType<typeof directoryOf>) => {
  const { definition, state } = start({ onTimeout: 'escalate', ...stage }, directory);
  const [event] = timeoutStage(state, definition, state.stages[0]?.id ?? '', ruleContext(directory, due));
  if (event?.type !== 'stage.escalated') throw new Error('not escalated');
  return { event, state: applyEvents(state, [event], due.toISOString()) };
};

describe('formatDuration', () => {
  it.each([
    [0, '0 s'], [36_000, '36 s'], [59_000, '59 s'], [60_000, '1 min'], [45 * 60_000, '45 min'], [90 * 60_000, '1 h 30 min'],
    [9 * 3_600_000 + 59 * 60_000, '9 h 59 min'], [24 * 3_600_000, '24 h'], [26 * 3_600_000 + 20 * 60_000, '26 h'], [48 * 3_600_000, '48 h'],
    [76 * 3_600_000, '3 d 4 h'], [72 * 3_600_000, '3 d'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('a late stage escalates along a chain, and the trail says why', () => {
  it("goes to the stage's escalation target first, then the late reviewers' managers", () => {
    const named = escalate({ escalateTo: [{ type: 'user', userId: 'UTARGET' }] }, directoryOf({ managers: { UBOB: 'UBOSS' }, admins: ['UADMIN'] }));
    expect(named.event.details).toMatchObject({ targets: ['UTARGET'], via: 'escalation_target', waitedMs: 86_400_000, slaMs: 86_400_000, overdueBy: 0 });
    expect(named.event.reason).toBe("escalated to the stage's escalation target: no decision within the 24 h SLA");
    const managers = escalate({}, directoryOf({ managers: { UBOB: 'UBOSS' }, admins: ['UADMIN'] }));
    expect(managers.event.details).toMatchObject({ targets: ['UBOSS'], via: 'managers' });
    expect(managers.state.stages[0]?.escalatedVia).toBe('managers');
  });

  it('falls back to the approval admins, and past a target that names nobody who can decide', () => {
    const admins = escalate({}, directoryOf({ admins: ['UADMIN', REQ] }));
    expect(admins.event.details).toMatchObject({ targets: ['UADMIN'], via: 'admins' });
    expect(admins.event.reason).toBe('escalated to the approval admins: no decision within the 24 h SLA (none of the late reviewers has a manager and the stage names no escalation target)');
    const emptyRole = escalate({ escalateTo: [{ type: 'role', role: 'nobody_here' }] }, directoryOf({ managers: { UBOB: REQ }, admins: ['UADMIN'] }));
    expect(emptyRole.event.details).toMatchObject({ targets: ['UADMIN'], via: 'admins' });
    expect(emptyRole.event.reason).toContain("the stage's escalation target names nobody who can decide");
  });

  it('is recorded as stuck, with nobody asked, when the chain is empty: never an escalation with no targets and no reason', () => {
    // The only admin is the late reviewer themself; the requester is never an escalation target.
    const stuck = escalate({}, directoryOf({ managers: { UBOB: REQ }, admins: ['UBOB'] }));
    expect(stuck.event.details).toMatchObject({ targets: [], via: 'nobody' });
    expect(stuck.event.reason).toBe('stuck: nobody could be asked to decide: no decision within the 24 h SLA (none of the late reviewers has a manager and the stage names no escalation target, and there is no approval admin who could decide)');
    expect(stuck.state.stages[0]?.escalatedVia).toBe('nobody');
  });
});

describe('stage timing and automatic outcomes', () => {
  it('measures the wait against the SLA, and stops the clock when the stage closes', () => {
    const { state } = start({});
    const stage = state.stages[0];
    if (!stage) throw new Error('no stage');
    expect(stageTiming(stage, new Date('2026-11-23T12:00:00.000Z'))).toEqual({ waitedMs: 26 * 3_600_000, slaMs: 24 * 3_600_000, dueAt: due.toISOString(), overdueMs: 2 * 3_600_000 });
    const closed = { ...stage, status: 'approved' as const, closedAt: '2026-11-22T12:00:00.000Z' };
    expect(stageTiming(closed, new Date('2026-11-30T00:00:00.000Z')).waitedMs).toBe(2 * 3_600_000);
  });

  it('tells an approval by the SLA from one by quorum, and a rejection by the SLA from one by a reviewer', () => {
    for (const [action, outcome] of [['auto_approve', 'approved'], ['auto_reject', 'rejected']] as const) {
      const { definition, state } = start({ onTimeout: action });
      const after = applyEvents(state, timeoutStage(state, definition, state.stages[0]?.id ?? '', ruleContext(directoryOf(), due)), due.toISOString());
      expect(after.stages[0] ? timedOutOutcome(after.stages[0]) : 'none').toBe(outcome);
    }
    const { state } = start({});
    const stage = state.stages[0];
    if (!stage) throw new Error('no stage');
    const approval = { id: 'd1', kind: 'approve' as const, actorId: 'UBOB', principalId: 'UBOB', capacity: { kind: 'named' as const }, reason: null, delegateTo: null, at: opened.toISOString(), retractedAt: null };
    expect(timedOutOutcome({ ...stage, status: 'approved', decisions: [approval] })).toBeNull();
    expect(timedOutOutcome({ ...stage, status: 'rejected', decisions: [{ ...approval, kind: 'reject' }] })).toBeNull();
  });
});
