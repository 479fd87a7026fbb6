import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  applyEvents, approvalCount, conditionHolds, decide, openStages, parseWorkflowDefinition, startSubmission,
  type ApprovalRule, type SubmissionEvent, type SubmissionState, type WorkflowDefinitionInput,
} from '../../src/domain/index.ts';
import { directoryOf, prng, ruleContext } from '../support/domain-fixtures.ts';

const at = '2026-11-22T10:00:00.000Z';
const people = (n: number, prefix = 'UP') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

/**
 * The oracle says what each rule means, in its own words, without computing a threshold the way the code does:
 * a majority is more approvals than people not (yet) approving; all is everyone in the pool.
 */
function quorumReached(rule: ApprovalRule, approvals: number, poolSize: number): boolean {
  switch (rule.kind) {
    case 'any':
      return approvals > 0;
    case 'all':
      return approvals === poolSize;
    case 'majority':
      return approvals > poolSize - approvals;
    case 'at_least':
      return approvals >= rule.count;
  }
}

describe('quorum (property-style, seeded)', () => {
  it('completes a stage exactly when distinct standing approvals reach the rule, and only once', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = prng(seed);
      const poolSize = r.int(1, 9);
      const rule: ApprovalRule = r.pick<ApprovalRule>([{ kind: 'any' }, { kind: 'all' }, { kind: 'majority' }, { kind: 'at_least', count: r.int(1, poolSize) }]);
      const pool = people(poolSize);
      const definition = parseWorkflowDefinition({ key: 'wf', name: 'W', stages: [{ id: 's', name: 'S', step: 1, approvers: [{ type: 'role', role: 'r' }], rule }] });
      const directory = directoryOf({ roles: { r: pool } });
      const ctx = ruleContext(directory);
      let state: SubmissionState = applyEvents(null, startSubmission(definition, { id: randomUUID(), teamId: 'T', workflowVersion: 1, requesterId: 'UREQ', title: 't', fields: {}, entityKey: null, predecessor: null }, ctx), at);
      const approving = new Set<string>();
      let completions = 0;
      // Random approvals and retractions, including repeats by the same person, until the submission ends or clicks run out.
      for (let click = 0; click < poolSize * 3 && state.status === 'in_review'; click++) {
        const who = r.pick(pool);
        const retract = approving.has(who) && r.next() < 0.3;
        let events: SubmissionEvent[];
        try {
          events = decide(state, definition, retract ? { kind: 'retract', actorId: who, reason: 'changed my mind' } : { kind: 'approve', actorId: who }, ctx);
        } catch {
          // A person has one say: approving while their approval stands is refused (a retracted one gives the say back).
          expect(!retract && approving.has(who)).toBe(true);
          continue;
        }
        expect(retract || !approving.has(who)).toBe(true);
        if (retract) {
          approving.delete(who);
        } else {
          approving.add(who);
        }
        completions += events.filter((e) => e.type === 'stage.approved').length;
        state = applyEvents(state, events, at);
        expect(approvalCount(state.stages[0] as never)).toBe(approving.size);
        expect(state.status === 'approved', `seed ${seed}: ${rule.kind} with ${approving.size} of ${poolSize}`).toBe(quorumReached(rule, approving.size, poolSize));
      }
      expect(completions).toBe(state.status === 'approved' ? 1 : 0);
    }
  });
});

describe('routing (property-style, seeded)', () => {
  it('opens exactly the applicable stages, step by step, each once, and ends approved', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = prng(seed * 7919);
      const stageCount = r.int(1, 8);
      let step = 1;
      const stages: WorkflowDefinitionInput['stages'] = [];
      for (let i = 0; i < stageCount; i++) {
        if (i > 0 && r.next() < 0.6) step++;
        const conditional = r.next() < 0.5;
        stages.push({
          id: `s${i}`, name: `Stage ${i}`, step,
          approvers: [{ type: 'user', userId: `UA${i}` }, { type: 'user', userId: `UB${i}` }],
          rule: r.pick<ApprovalRule>([{ kind: 'any' }, { kind: 'all' }]),
          ...(conditional ? { condition: { combine: 'all' as const, clauses: [{ field: 'amount', operator: 'gte' as const, value: r.int(0, 1000) }] } } : {}),
        });
      }
      const definition = parseWorkflowDefinition({ key: 'wf', name: 'W', fields: [{ id: 'amount', label: 'Amount', type: 'number' }], stages });
      const fields = { amount: r.int(0, 1000) };
      const ctx = ruleContext(directoryOf());
      let state = applyEvents(null, startSubmission(definition, { id: randomUUID(), teamId: 'T', workflowVersion: 1, requesterId: 'UREQ', title: 't', fields, entityKey: null, predecessor: null }, ctx), at);
      const expected = definition.stages.filter((s) => conditionHolds(s.condition, fields)).map((s) => s.id);
      let guard = 0;
      while (state.status === 'in_review' && guard++ < 100) {
        const open = openStages(state);
        const steps = new Set(open.map((s) => s.step));
        expect(steps.size).toBe(1);
        const stage = open[0];
        if (!stage) break;
        for (const reviewer of stage.pool) {
          if (state.stages.find((s) => s.id === stage.id)?.status !== 'open') break;
          state = applyEvents(state, decide(state, definition, { kind: 'approve', actorId: reviewer, stageInstanceId: stage.id }, ctx), at);
        }
      }
      expect(state.status).toBe('approved');
      expect(state.stages.map((s) => s.stageId)).toEqual(expected);
      const openedSteps = state.stages.map((s) => s.step);
      expect([...openedSteps].sort((a, b) => a - b)).toEqual(openedSteps);
      expect(new Set(state.stages.map((s) => s.stageId)).size).toBe(state.stages.length);
    }
  });
});
