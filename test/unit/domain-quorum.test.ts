/**
 * How many approvals each quorum rule needs, written out by hand for pools of one to eight people, and shown
 * end to end: one approval short leaves the stage open, the last one completes it.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DomainError, applyEvents, decide, parseWorkflowDefinition, requiredApprovals, startSubmission,
  type ApprovalRule, type SubmissionState, type WorkflowDefinition,
} from '../../src/domain/index.ts';
import { directoryOf, ruleContext } from '../support/domain-fixtures.ts';

const at = '2026-11-22T10:00:00.000Z';
const members = (n: number) => Array.from({ length: n }, (_, i) => `UMEMBER${i + 1}`);

/** Pool size → approvals needed. */
const NEEDED: { rule: ApprovalRule; name: string; needed: Record<number, number> }[] = [
  { rule: { kind: 'majority' }, name: 'majority', needed: { 1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 4, 8: 5 } },
  { rule: { kind: 'any' }, name: 'any', needed: { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1 } },
  { rule: { kind: 'all' }, name: 'all', needed: { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8 } },
  { rule: { kind: 'at_least', count: 2 }, name: 'count 2', needed: { 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2 } },
  { rule: { kind: 'at_least', count: 3 }, name: 'count 3', needed: { 3: 3, 4: 3, 5: 3, 6: 3, 7: 3, 8: 3 } },
  { rule: { kind: 'at_least', count: 8 }, name: 'count 8', needed: { 8: 8 } },
];

function open(rule: ApprovalRule, poolSize: number): { definition: WorkflowDefinition; state: SubmissionState; ctx: ReturnType<typeof ruleContext> } {
  const definition = parseWorkflowDefinition({ key: 'wf', name: 'W', stages: [{ id: 'board', name: 'Board', step: 1, approvers: [{ type: 'role', role: 'board' }], rule }] });
  const ctx = ruleContext(directoryOf({ roles: { board: members(poolSize) } }));
  const events = startSubmission(definition, { id: randomUUID(), teamId: 'T1', workflowVersion: 1, requesterId: 'UREQ', title: 't', fields: {}, entityKey: null, predecessor: null }, ctx);
  return { definition, state: applyEvents(null, events, at), ctx };
}

const cases = NEEDED.flatMap(({ rule, name, needed }) => Object.entries(needed).map(([pool, n]) => ({ rule, name, pool: Number(pool), needed: n })));

describe('approvals needed per rule and pool size', () => {
  it.each(cases)('$name of $pool needs $needed', ({ rule, pool, needed }) => {
    expect(requiredApprovals(rule, pool)).toBe(needed);
  });

  it.each(cases)('$name of $pool: open after one fewer than $needed approvals, approved at the $needed-th', ({ rule, pool, needed }) => {
    const { definition, state: opened, ctx } = open(rule, pool);
    expect(opened.stages[0]).toMatchObject({ pool: members(pool), required: needed });
    let state = opened;
    for (const [i, member] of members(needed).entries()) {
      expect(state.stages[0]?.status, `before approval ${i + 1}`).toBe('open');
      state = applyEvents(state, decide(state, definition, { kind: 'approve', actorId: member, stageInstanceId: opened.stages[0]?.id }, ctx), at);
    }
    expect(state.stages[0]?.status).toBe('approved');
    expect(state.status).toBe('approved');
  });

  it('refuses a count the pool cannot reach at submission, naming both numbers', () => {
    for (const [count, pool] of [[2, 1], [3, 2], [8, 7]] as const) {
      let error: unknown;
      try {
        open({ kind: 'at_least', count }, pool);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).message).toContain(`needs ${count} approvals but only ${pool} people can approve it`);
    }
  });

  it('counts a majority of the pool as it was when the stage opened, not of who joined since', () => {
    const { definition, state: opened } = open({ kind: 'majority' }, 4);
    const grown = ruleContext(directoryOf({ roles: { board: members(8) } }));
    let state = opened;
    for (const member of members(3)) state = applyEvents(state, decide(state, definition, { kind: 'approve', actorId: member }, grown), at);
    expect(state.status).toBe('approved');
  });
});
