import { requiredApprovals, resolvePool } from '../routing.ts';
import { openStages } from '../submission.ts';
import type { WorkflowDefinition } from '../workflow.ts';
import { HOUR_MS, type RuleContext } from './context.ts';
import { resolution, stageDefinition, type Recorder } from './recorder.ts';

export function openStep(rec: Recorder, definition: WorkflowDefinition, stepIndex: number, ctx: RuleContext): void {
  const state = rec.current;
  const step = state.plan[stepIndex];
  if (!step) {
    rec.emit('submission.approved', { submissionId: state.id }, {});
    return;
  }
  for (const stageId of step.stageIds) {
    const stage = stageDefinition(definition, stageId);
    const pool = resolvePool(stage.approvers, resolution(state, ctx.directory));
    rec.emit(
      'stage.opened',
      { submissionId: state.id, stageInstanceId: ctx.newId(), stageId },
      {
        name: stage.name,
        step: step.step,
        rule: stage.rule,
        pool,
        required: requiredApprovals(stage.rule, pool.length),
        dueAt: new Date(ctx.now.getTime() + stage.slaHours * HOUR_MS).toISOString(),
      },
    );
  }
}

/** After a stage completes: when its whole step is done, open the next step (or approve the submission). */
export function advance(rec: Recorder, definition: WorkflowDefinition, ctx: RuleContext): void {
  const state = rec.current;
  const index = state.currentStepIndex;
  if (index === null) return;
  const stepNumber = state.plan[index]?.step;
  const stepStages = state.stages.filter((s) => s.step === stepNumber);
  if (stepStages.every((s) => s.status === 'approved')) openStep(rec, definition, index + 1, ctx);
}

export function closeOthers(rec: Recorder, exceptId: string | null, why: string): void {
  for (const stage of openStages(rec.current)) {
    if (stage.id === exceptId) continue;
    rec.emit('stage.closed', { submissionId: rec.current.id, stageInstanceId: stage.id, stageId: stage.stageId }, { why });
  }
}

