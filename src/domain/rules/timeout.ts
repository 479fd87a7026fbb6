import type { SubmissionEvent } from '../events.ts';
import { resolvePool } from '../routing.ts';
import { approvalCount, decidedPeople, isActive, pendingReviewers, type Capacity, type SubmissionState } from '../submission.ts';
import type { WorkflowDefinition } from '../workflow.ts';
import type { RuleContext } from './context.ts';
import { advance, closeOthers } from './progress.ts';
import { Recorder, resolution, stageDefinition } from './recorder.ts';

/**
 * A stage's SLA has passed. Applies the stage's timeout action, or nothing when the stage is no longer open
 * (a timer that fires late or twice must do no harm).
 */
export function timeoutStage(state: SubmissionState, definition: WorkflowDefinition, stageInstanceId: string, ctx: RuleContext): SubmissionEvent[] {
  const stage = state.stages.find((s) => s.id === stageInstanceId);
  if (!stage || stage.status !== 'open' || !isActive(state.status)) return [];
  if (ctx.now.getTime() < Date.parse(stage.dueAt)) return [];
  const stageDef = stageDefinition(definition, stage.stageId);
  const rec = new Recorder(state, ctx.now);
  const rule = `stage "${stageDef.name}" passed its ${stageDef.slaHours}h SLA: ${stageDef.onTimeout}`;
  const system: Capacity = { kind: 'system', rule };
  const envelope = { submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId, capacity: system, reason: rule };
  switch (stageDef.onTimeout) {
    case 'escalate': {
      if (stage.escalatedAt) return [];
      const ctxFor = resolution(state, ctx.directory);
      const pending = pendingReviewers(stage);
      const targets = stageDef.escalateTo
        ? resolvePool(stageDef.escalateTo, ctxFor)
        : [...new Set(pending.map((u) => ctx.directory.managerOf(u)).filter((m): m is string => m !== null && m !== state.requesterId))].sort();
      const fresh = targets.filter((t) => !decidedPeople(stage).has(t));
      rec.emit('stage.escalated', envelope, { targets: fresh, overdueBy: ctx.now.getTime() - Date.parse(stage.dueAt) });
      return rec.events;
    }
    case 'auto_approve':
      rec.emit('stage.approved', envelope, { approvals: approvalCount(stage), required: stage.required });
      advance(rec, definition, ctx);
      return rec.events;
    case 'auto_reject':
      rec.emit('stage.rejected', envelope, {});
      closeOthers(rec, stage.id, 'the request was rejected when another stage timed out');
      rec.emit('submission.rejected', { submissionId: state.id, capacity: system, reason: rule }, {});
      return rec.events;
  }
}

