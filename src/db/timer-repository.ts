import { sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import { teamFilter, type TeamScope } from './team-scope.ts';
import type { Tx } from './transaction.ts';

/** A delayed job as Postgres remembers it, so a Redis that lost it can be given it again. */
export interface TimerRow {
  readonly jobId: string;
  readonly teamId: string;
  readonly name: string;
  readonly payload: Record<string, unknown>;
  readonly fireAt: Date;
  readonly stageInstanceId: string | null;
  readonly delegationId: string | null;
}

const toTimer = (r: SqlRow): TimerRow => ({
  jobId: r.job_id as string, teamId: r.team_id as string, name: r.name as string, payload: r.payload as Record<string, unknown>,
  fireAt: new Date(r.fire_at as string), stageInstanceId: r.stage_instance_id as string | null, delegationId: r.delegation_id as string | null,
});

/** The scheduled_timer ledger behind every BullMQ delayed job. */
export function createTimerRepository(db: SqlRunner) {
  const rows = async (statement: Sql, tx?: Tx): Promise<SqlRow[]> => (await (tx?.sql ?? db).run([statement]))[0] ?? [];
  return {
    /** Records a timer unless it exists; true when it is pending (new, or recorded and not yet done). */
    async record(timer: TimerRow): Promise<boolean> {
      const [row] = await rows(sql`with inserted as (
          insert into scheduled_timer (job_id, team_id, name, payload, fire_at, stage_instance_id, delegation_id)
          values (${timer.jobId}, ${timer.teamId}, ${timer.name}, ${JSON.stringify(timer.payload)}::jsonb, ${timer.fireAt}, ${timer.stageInstanceId}, ${timer.delegationId})
          on conflict (job_id) do nothing returning done_at)
        select done_at from inserted union all select done_at from scheduled_timer where job_id = ${timer.jobId} and not exists (select 1 from inserted)`);
      return row?.done_at === null;
    },
    /** Marks the pending timers of a stage or delegation cancelled; returns their job ids to remove from Redis. */
    async cancel(by: { stageInstanceId: string } | { delegationId: string }): Promise<string[]> {
      const where = 'stageInstanceId' in by ? sql`stage_instance_id = ${by.stageInstanceId}` : sql`delegation_id = ${by.delegationId}`;
      return (await rows(sql`update scheduled_timer set done_at = now(), outcome = 'cancelled' where ${where} and done_at is null returning job_id`)).map((r) => r.job_id as string);
    },
    /** Marks a timer done; true for the one caller that did it (a duplicate run gets false). */
    async finish(jobId: string, outcome: 'fired' | 'skipped', tx?: Tx): Promise<boolean> {
      return (await rows(sql`update scheduled_timer set done_at = now(), outcome = ${outcome} where job_id = ${jobId} and done_at is null returning job_id`, tx)).length > 0;
    },
    async isPending(jobId: string): Promise<boolean> {
      const found = await rows(sql`select done_at from scheduled_timer where job_id = ${jobId}`);
      return found.length === 0 || found[0]?.done_at === null;
    },
    async pending(teams: TeamScope, afterJobId: string, limit: number): Promise<TimerRow[]> {
      return (await rows(sql`select job_id, team_id, name, payload, fire_at, stage_instance_id, delegation_id from scheduled_timer
        where done_at is null and job_id > ${afterJobId}${teamFilter(sql`team_id`, teams)} order by job_id limit ${limit}`)).map(toTimer);
    },
    /** Open stages whose SLA timer was never recorded (their stage.opened delivery was lost or is on its way). */
    async openStagesWithout(teams: TeamScope, limit: number): Promise<{ teamId: string; submissionId: string; stageInstanceId: string }[]> {
      const found = await rows(sql`select s.team_id, si.submission_id, si.id from stage_instance si join submission s on s.id = si.submission_id
        where si.status = 'open' and s.status in ('submitted', 'in_review')${teamFilter(sql`s.team_id`, teams)}
          and not exists (select 1 from scheduled_timer t where t.job_id = 'sla-' || si.id::text)
        order by si.due_at limit ${limit}`);
      return found.map((r) => ({ teamId: r.team_id as string, submissionId: r.submission_id as string, stageInstanceId: r.id as string }));
    },
    /** Delegations still to start or end whose timers were never recorded. */
    async delegationsWithout(teams: TeamScope, limit: number): Promise<{ teamId: string; id: string; startsAt: Date; endsAt: Date }[]> {
      const found = await rows(sql`select d.team_id, d.id, d.starts_at, d.ends_at from delegation d
        where d.revoked_at is null and d.ends_at > now() - interval '1 day'${teamFilter(sql`d.team_id`, teams)}
          and not exists (select 1 from scheduled_timer t where t.job_id = 'delegation-end-' || d.id::text)
        order by d.ends_at limit ${limit}`);
      return found.map((r) => ({ teamId: r.team_id as string, id: r.id as string, startsAt: new Date(r.starts_at as string), endsAt: new Date(r.ends_at as string) }));
    },
  };
}
export type TimerRepository = ReturnType<typeof createTimerRepository>;
