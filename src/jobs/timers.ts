import type { StageInstance, SubmissionState, WorkflowDefinition } from '../domain/index.ts';
import type { WorkerContext } from './context.ts';
import { jobIds, type JobData, type JobName } from './registry.ts';

const HOUR_MS = 3_600_000;
/** Enough for hourly reminders over four days; tighter schedules are cut, the SLA timer still fires. */
export const MAX_REMINDERS = 100;

export interface TimerSpec<N extends JobName<'timers'>> {
  readonly name: N;
  readonly jobId: string;
  readonly data: JobData<'timers', N>;
  readonly fireAt: Date;
  readonly stageInstanceId?: string | null;
  readonly delegationId?: string | null;
}

/**
 * Records the timer in Postgres first, then adds the delayed job to Redis. If Redis loses the job, the row
 * makes the reconciler add it again (it fires late, not never). A timer that already fired is not re-added.
 */
export async function scheduleTimer<N extends JobName<'timers'>>(ctx: WorkerContext, spec: TimerSpec<N>): Promise<boolean> {
  // Every timer payload carries the workspace (see JOB_SCHEMAS.timers).
  const payload = spec.data as JobData<'timers', N> & { teamId: string };
  const pending = await ctx.services.ledger.timers.record({
    jobId: spec.jobId,
    teamId: payload.teamId,
    name: spec.name,
    payload,
    fireAt: spec.fireAt,
    stageInstanceId: spec.stageInstanceId ?? null,
    delegationId: spec.delegationId ?? null,
  });
  if (!pending) return false;
  await ctx.queues.add('timers', spec.name, spec.data, { jobId: spec.jobId, delay: spec.fireAt.getTime() - Date.now() });
  return true;
}

/** When reminders fire: every `reminderEveryHours` after the stage opened, while before its SLA. */
export function reminderTimes(stage: StageInstance, everyHours: number | undefined): Date[] {
  if (!everyHours) return [];
  const opened = Date.parse(stage.openedAt);
  const due = Date.parse(stage.dueAt);
  const every = everyHours * HOUR_MS;
  const times: Date[] = [];
  for (let n = 1; n <= MAX_REMINDERS && opened + n * every < due; n++) times.push(new Date(opened + n * every));
  return times;
}

/** The SLA deadline and the reminders of a stage that is open. */
export async function scheduleStageTimers(ctx: WorkerContext, state: SubmissionState, stage: StageInstance, definition: WorkflowDefinition): Promise<void> {
  if (stage.status !== 'open') return;
  const stageDef = definition.stages.find((s) => s.id === stage.stageId);
  const base = { teamId: state.teamId, submissionId: state.id, stageInstanceId: stage.id };
  const reminders = reminderTimes(stage, stageDef?.reminderEveryHours);
  for (const [index, fireAt] of reminders.entries()) {
    const n = index + 1;
    await scheduleTimer(ctx, { name: 'reminder', jobId: jobIds.reminder(state.id, stage.id, n), data: { ...base, n }, fireAt, stageInstanceId: stage.id });
  }
  await scheduleTimer(ctx, { name: 'sla', jobId: jobIds.sla(stage.id), data: base, fireAt: new Date(stage.dueAt), stageInstanceId: stage.id });
}

/** Cancels a stage's or a delegation's pending timers in Postgres, then takes them out of Redis. */
export async function cancelTimersOf(ctx: WorkerContext, by: { stageInstanceId: string } | { delegationId: string }): Promise<number> {
  const ids = await ctx.services.ledger.timers.cancel(by);
  const queue = ctx.queues.queue('timers');
  for (const id of ids) {
    // A timer that is running right now cannot be removed; it sees its row is done and does nothing.
    await queue.remove(id).catch(() => 0);
  }
  return ids.length;
}

export async function scheduleDelegationTimers(ctx: WorkerContext, delegation: { teamId: string; id: string; startsAt: Date; endsAt: Date }): Promise<void> {
  const data = { teamId: delegation.teamId, delegationId: delegation.id };
  await scheduleTimer(ctx, { name: 'delegation-start', jobId: jobIds.delegationStart(delegation.id), data, fireAt: delegation.startsAt, delegationId: delegation.id });
  await scheduleTimer(ctx, { name: 'delegation-end', jobId: jobIds.delegationEnd(delegation.id), data, fireAt: delegation.endsAt, delegationId: delegation.id });
}
