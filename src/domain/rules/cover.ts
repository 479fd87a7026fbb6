import type { SubmissionEvent } from '../events.ts';
import { resolvePool } from '../routing.ts';
import { decidedPeople, isActive, type Capacity, type SubmissionState } from '../submission.ts';
import type { WorkflowDefinition } from '../workflow.ts';
import type { RuleContext } from './context.ts';
import { stageAudience } from './eligibility.ts';
import { Recorder, resolution, stageDefinition } from './recorder.ts';

const mentions = (people: readonly string[]): string => people.map((p) => `<@${p}>`).join(', ');

/**
 * A stage whose only way forward is the requester (the reviewers it waits for are away and have handed their
 * reviews to the requester, who may not decide on their own request) is escalated at once instead of waiting:
 * to those reviewers' managers, else to the stage's escalation target, else to the workspace's approval admins.
 * Nothing happens when the stage can move without them, is closed, or has nobody to escalate to.
 */
export function coverStage(state: SubmissionState, definition: WorkflowDefinition, stageInstanceId: string, admins: readonly string[], ctx: RuleContext): SubmissionEvent[] {
  const stage = state.stages.find((s) => s.id === stageInstanceId);
  if (!stage || stage.status !== 'open' || !isActive(state.status)) return [];
  const audience = stageAudience(stage, definition, state, ctx.directory);
  if (!audience.needsCover) return [];

  const decided = decidedPeople(stage);
  const usable = (people: readonly string[]): string[] =>
    [...new Set(people)].filter((p) => p !== state.requesterId && !audience.uncovered.includes(p) && !decided.has(p)).sort();
  const managers = usable(audience.uncovered.map((u) => ctx.directory.managerOf(u)).filter((m): m is string => m !== null));
  const stageDef = stageDefinition(definition, stage.stageId);
  const escalateTo = usable(stageDef.escalateTo ? resolvePool(stageDef.escalateTo, resolution(state, ctx.directory)) : []);
  const adminList = usable(admins);
  const [targets, to] = managers.length ? [managers, 'their manager'] as const
    : escalateTo.length ? [escalateTo, "the stage's escalation target"] as const
    : [adminList, 'the approval admins'] as const;
  if (targets.length === 0) return [];

  const rule = 'the requester cannot decide on their own request';
  const system: Capacity = { kind: 'system', rule };
  const reason = `Nobody but the requester could decide for ${mentions(audience.uncovered)} while they are away, so stage "${stage.name}" went to ${to}: ${mentions(targets)}.`;
  const rec = new Recorder(state, ctx.now);
  rec.emit('stage.escalated', { submissionId: state.id, stageInstanceId: stage.id, stageId: stage.stageId, capacity: system, reason }, { targets, overdueBy: 0 });
  return rec.events;
}
