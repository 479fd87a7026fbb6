import { drawnVersionsUpdate } from './slack-message-repository.ts';
import { json, sql, textArray, tuples, WITHOUT_WAITING_FOR_DISK, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import { teamFilter, type TeamScope } from './team-scope.ts';

/** A message or webhook the worker is to send, as Postgres remembers it, so a Redis that lost its job can be given it again. */
export interface DeliveryIntent {
  readonly jobId: string;
  readonly teamId: string;
  readonly queue: 'slack' | 'webhooks';
  readonly name: string;
  readonly payload: Record<string, unknown>;
  /**
   * One intent for many requests (a request's redraw): asking again while it is pending counts one more request
   * (and adds its payload's `cards`), and asking after it finished opens it again, instead of being ignored as a re-run.
   */
  readonly coalesce?: boolean;
}

const toIntent = (r: SqlRow): DeliveryIntent => ({
  jobId: r.job_id as string, teamId: r.team_id as string, queue: r.queue as DeliveryIntent['queue'], name: r.name as string, payload: r.payload as Record<string, unknown>,
});

/** The delivery_intent ledger behind every Slack message and webhook job. */
export function createDeliveryIntentRepository(db: SqlRunner) {
  const rows = async (statement: Sql): Promise<SqlRow[]> => (await db.run([statement]))[0] ?? [];
  return {
    /**
     * Records intents (one round trip for all, with `processedOutboxId` marked handled); an intent already recorded
     * is left as it is, unless it coalesces (then it is asked for once more). Returns the job ids still pending, the ones to hand to Redis (an intent
     * done before, by a re-run event, is not sent again).
     */
    async record(intents: readonly DeliveryIntent[], options: { readonly processedOutboxId?: number } = {}): Promise<Set<string>> {
      // The event that asked for them is marked handled in the same round trip (and transaction): a crash before
      // their jobs reach Redis leaves intents the reconciler hands over.
      const processed = options.processedOutboxId === undefined ? [] : [sql`update outbox set processed_at = now() where id = ${options.processedOutboxId} and processed_at is null`];
      if (intents.length === 0) {
        if (processed.length > 0) await db.run(processed);
        return new Set();
      }
      const valuesOf = (list: readonly DeliveryIntent[]) => tuples(list.map((i) => [i.jobId, i.teamId, i.queue, i.name, json(i.payload)]));
      const once = intents.filter((i) => !i.coalesce);
      const coalesced = intents.filter((i) => i.coalesce);
      const statements: Sql[] = [];
      if (once.length > 0) {
        statements.push(sql`with inserted as (
            insert into delivery_intent (job_id, team_id, queue, name, payload) values ${valuesOf(once)} on conflict (job_id) do nothing returning job_id)
          select job_id from inserted
          union select job_id from delivery_intent where job_id = any(${textArray(once.map((i) => i.jobId))}) and done_at is null`);
      }
      if (coalesced.length > 0) {
        // created_at restarts so the reconciler gives a re-opened intent the same grace as a new one. A pending
        // intent's `cards` gain the new ask's (a request's redraw); a finished one starts again from the new ask.
        statements.push(sql`insert into delivery_intent (job_id, team_id, queue, name, payload) values ${valuesOf(coalesced)}
          on conflict (job_id) do update set requests = delivery_intent.requests + 1, done_at = null, outcome = null, created_at = now(),
            payload = case when delivery_intent.done_at is null and jsonb_typeof(delivery_intent.payload->'cards') = 'array'
              then jsonb_set(excluded.payload, '{cards}', (select jsonb_agg(card) from (
                select distinct on (card::text) card from jsonb_array_elements((delivery_intent.payload->'cards') || coalesce(excluded.payload->'cards', '[]')) card) united))
              else excluded.payload end
          returning job_id`);
      }
      const found = (await db.run([...statements, ...processed])).slice(0, statements.length).flat();
      return new Set(found.map((r) => r.job_id as string));
    },
    /** Marks an intent done (delivered, or nothing left to send) or failed (given up on and recorded). */
    async finish(jobId: string, outcome: 'done' | 'failed'): Promise<void> {
      await rows(sql`update delivery_intent set done_at = now(), outcome = ${outcome} where job_id = ${jobId} and done_at is null`);
    },
    /**
     * A pending coalesced intent's count of requests (read before drawing, see finishRequests) and its payload as
     * every request so far made it; null when none is pending.
     */
    async requests(jobId: string): Promise<{ requests: number; payload: Record<string, unknown> } | null> {
      const [row] = await rows(sql`select requests, payload from delivery_intent where job_id = ${jobId} and done_at is null`);
      return row ? { requests: Number(row.requests), payload: row.payload as Record<string, unknown> } : null;
    },
    /**
     * Marks a coalesced intent done if nobody asked for it again since `requests` was read; false when someone did
     * (the state they changed may be newer than the one drawn, so the job draws again). `drawn` records the
     * versions the job's cards now show either way.
     */
    async finishRequests(jobId: string, requests: number, drawn?: { readonly teamId: string; readonly versions: readonly { readonly key: string; readonly version: string }[] }): Promise<boolean> {
      // With the versions the cards now show, in one round trip; an intent left open by a crash is drawn again.
      const versions = drawn ? drawnVersionsUpdate(drawn.teamId, drawn.versions) : null;
      const results = await db.run([
        WITHOUT_WAITING_FOR_DISK,
        ...(versions ? [versions] : []),
        sql`update delivery_intent set done_at = now(), outcome = 'done' where job_id = ${jobId} and done_at is null and requests = ${requests} returning job_id`,
      ]);
      return (results.at(-1) ?? []).length > 0;
    },
    /** Deletes up to `limit` intents done before `doneBefore` (they are history nobody reads); returns how many. */
    async prune(doneBefore: Date, limit: number): Promise<number> {
      return (await rows(sql`delete from delivery_intent where job_id in (
          select job_id from delivery_intent where done_at < ${doneBefore} order by done_at limit ${limit}) returning job_id`)).length;
    },
    /** Intents recorded before `recordedBefore` and not done, in job id order after `afterJobId`. */
    async pending(teams: TeamScope, recordedBefore: Date, afterJobId: string, limit: number): Promise<DeliveryIntent[]> {
      return (await rows(sql`select job_id, team_id, queue, name, payload from delivery_intent
        where done_at is null and created_at < ${recordedBefore} and job_id > ${afterJobId}${teamFilter(sql`team_id`, teams)}
        order by job_id limit ${limit}`)).map(toIntent);
    },
  };
}
export type DeliveryIntentRepository = ReturnType<typeof createDeliveryIntentRepository>;
