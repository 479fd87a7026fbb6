import type { ApprovalRule, ApproverSpec, StageDefinition, WorkflowDefinition } from './workflow.ts';
import type { FieldValues } from './fields.ts';
import type { PlannedStep } from './submission.ts';
import { conditionHolds } from './conditions.ts';

/** Who is who, as the approval rules need it. The service fills it from the database (and Slack groups). */
export interface Directory {
  roleMembers(role: string): readonly string[];
  managerOf(userId: string): string | null;
  /** Out-of-office delegations to `delegateId` that are active now and cover this workflow. */
  activeDelegationsTo(delegateId: string): readonly { id: string; fromUserId: string }[];
  /** The same delegations seen from the person who is away: who decides for `fromUserId` now. */
  activeDelegationsFrom(fromUserId: string): readonly { id: string; toUserId: string }[];
  /** The workspace's approval admins (the last link of an escalation); empty where the caller did not ask for them. */
  approvalAdmins(): readonly string[];
}

export interface RoutePlan {
  readonly steps: PlannedStep[];
  readonly skipped: StageDefinition[];
}

/** Which stages a request with these fields goes through, grouped into steps that run one after another. */
export function planRoute(definition: WorkflowDefinition, fields: FieldValues): RoutePlan {
  const steps: PlannedStep[] = [];
  const skipped: StageDefinition[] = [];
  for (const stage of definition.stages) {
    if (!conditionHolds(stage.condition, fields)) {
      skipped.push(stage);
      continue;
    }
    const last = steps.at(-1);
    if (last && last.step === stage.step) steps[steps.length - 1] = { step: last.step, stageIds: [...last.stageIds, stage.id] };
    else steps.push({ step: stage.step, stageIds: [stage.id] });
  }
  return { steps, skipped };
}

export interface ResolutionContext {
  readonly requesterId: string;
  readonly fields: FieldValues;
  readonly directory: Directory;
}

/** The people an approver spec names right now. */
export function resolveSpec(spec: ApproverSpec, ctx: ResolutionContext): string[] {
  switch (spec.type) {
    case 'user':
      return [spec.userId];
    case 'role':
      return [...ctx.directory.roleMembers(spec.role)];
    case 'manager': {
      const manager = ctx.directory.managerOf(ctx.requesterId);
      return manager ? [manager] : [];
    }
    case 'field': {
      const value = ctx.fields[spec.fieldId];
      return typeof value === 'string' && value ? [value] : [];
    }
  }
}

/** Everyone a stage asks, never the requester, each once, in a stable order. */
export function resolvePool(specs: readonly ApproverSpec[], ctx: ResolutionContext): string[] {
  const people = new Set(specs.flatMap((spec) => resolveSpec(spec, ctx)));
  people.delete(ctx.requesterId);
  return [...people].sort();
}

/** How many distinct approvals complete a stage whose pool has `poolSize` people. */
export function requiredApprovals(rule: ApprovalRule, poolSize: number): number {
  switch (rule.kind) {
    case 'any':
      return 1;
    case 'all':
      return Math.max(poolSize, 1);
    case 'at_least':
      return rule.count;
    case 'majority':
      return Math.floor(poolSize / 2) + 1;
  }
}

/**
 * Explains why a stage cannot reach enough approvers, or null when it can: to the requester ("you"), or to an
 * admin previewing a workflow for someone ("the requester").
 */
export function routingProblem(stage: StageDefinition, ctx: ResolutionContext, reader: 'requester' | 'admin' = 'requester'): string | null {
  const pool = resolvePool(stage.approvers, ctx);
  const required = requiredApprovals(stage.rule, pool.length);
  if (pool.length === 0) {
    const needsManager = stage.approvers.some((a) => a.type === 'manager') && !ctx.directory.managerOf(ctx.requesterId);
    const hint = !needsManager ? ''
      : reader === 'requester' ? ' It needs your manager, and no manager is set for you; ask an admin to set one.'
      : " It needs the requester's manager, and no manager is set for the requester; set one under Managers.";
    return `Stage "${stage.name}" has nobody who can approve it other than ${reader === 'requester' ? 'you' : 'the requester'}.${hint}`;
  }
  if (pool.length < required) {
    return `Stage "${stage.name}" needs ${required} approvals but only ${pool.length} people can approve it.`;
  }
  return null;
}
