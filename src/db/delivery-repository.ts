import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Queries of the delivery tables (Migration20261122020000_delivery). Plain SQL because most of them are
 * conditional claims that must be one statement. `teams` narrows the scans of the relay and reconciler to some
 * workspaces (sharding, tests); null means all.
 */
export type TeamScope = readonly string[] | null;

const teamFilter = (column: string, teams: TeamScope): { sql: string; params: unknown[] } =>
  teams ? { sql: ` and ${column} in (select jsonb_array_elements_text(?::jsonb))`, params: [JSON.stringify(teams)] } : { sql: '', params: [] };

// ---- Slack messages -------------------------------------------------------------------------------------

export type MessageKind = 'reviewer' | 'requester' | 'outcome' | 'delegate' | 'reminder' | 'delegation_notice' | 'checkpoint';

export interface MessageRef {
  readonly teamId: string;
  readonly key: string;
  readonly kind: MessageKind;
  readonly submissionId: string | null;
  readonly stageInstanceId: string | null;
  readonly delegationId: string | null;
  readonly recipientId: string;
}

export interface StoredMessage extends MessageRef {
  readonly channel: string | null;
  readonly ts: string | null;
  readonly claimedBy: string | null;
}

interface MessageRow {
  team_id: string; key: string; kind: MessageKind; submission_id: string | null; stage_instance_id: string | null;
  delegation_id: string | null; recipient_id: string; channel: string | null; ts: string | null; claimed_by: string | null;
}
const MESSAGE_COLUMNS = 'team_id, key, kind, submission_id, stage_instance_id, delegation_id, recipient_id, channel, ts, claimed_by';
const toMessage = (r: MessageRow): StoredMessage => ({
  teamId: r.team_id, key: r.key, kind: r.kind, submissionId: r.submission_id, stageInstanceId: r.stage_instance_id,
  delegationId: r.delegation_id, recipientId: r.recipient_id, channel: r.channel, ts: r.ts, claimedBy: r.claimed_by,
});

export type Claim = { readonly state: 'post' } | { readonly state: 'update'; readonly channel: string; readonly ts: string } | { readonly state: 'busy' };

/**
 * Before posting, a job claims the message's key. It may post when the key is new, when the previous claim is
 * its own (the same job retried after its process died) or stale. If the message was already posted, it gets
 * the channel and ts to update. Another live claim means another job is posting it right now.
 */
export async function claimMessage(em: EntityManager, ref: MessageRef, claimant: string, staleBefore: Date): Promise<Claim> {
  const won = await em.execute<{ key: string }[]>(
    `insert into slack_message (team_id, key, kind, submission_id, stage_instance_id, delegation_id, recipient_id, claimed_by, claimed_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, now())
     on conflict (team_id, key) do update set claimed_by = excluded.claimed_by, claimed_at = now(), updated_at = now()
       where slack_message.ts is null
         and (slack_message.claimed_by is null or slack_message.claimed_by = excluded.claimed_by or slack_message.claimed_at < ?)
     returning key`,
    [ref.teamId, ref.key, ref.kind, ref.submissionId, ref.stageInstanceId, ref.delegationId, ref.recipientId, claimant, staleBefore],
  );
  if (won.length > 0) return { state: 'post' };
  const existing = await findMessage(em, ref.teamId, ref.key);
  if (existing?.ts && existing.channel) return { state: 'update', channel: existing.channel, ts: existing.ts };
  return { state: 'busy' };
}

export async function recordPosted(em: EntityManager, teamId: string, key: string, channel: string, ts: string, threadTs: string | null): Promise<void> {
  await em.execute(
    'update slack_message set channel = ?, ts = ?, thread_ts = ?, claimed_by = null, claimed_at = null, updated_at = now() where team_id = ? and key = ?',
    [channel, ts, threadTs, teamId, key],
  );
}

/** Drops a claim that did not lead to a post, or a record whose message Slack no longer has. */
export async function forgetMessage(em: EntityManager, teamId: string, key: string): Promise<void> {
  await em.execute('delete from slack_message where team_id = ? and key = ?', [teamId, key]);
}

export async function touchMessage(em: EntityManager, teamId: string, key: string): Promise<void> {
  await em.execute('update slack_message set updated_at = now() where team_id = ? and key = ?', [teamId, key]);
}

export async function findMessage(em: EntityManager, teamId: string, key: string): Promise<StoredMessage | null> {
  const rows = await em.execute<MessageRow[]>(`select ${MESSAGE_COLUMNS} from slack_message where team_id = ? and key = ?`, [teamId, key]);
  return rows[0] ? toMessage(rows[0]) : null;
}

/** Cards about one stage (reviewers, escalation targets, delegates), to refresh when it changes. */
export async function stageCards(em: EntityManager, stageInstanceId: string): Promise<StoredMessage[]> {
  const rows = await em.execute<MessageRow[]>(
    `select ${MESSAGE_COLUMNS} from slack_message where stage_instance_id = ? and kind in ('reviewer', 'delegate') order by created_at`,
    [stageInstanceId],
  );
  return rows.map(toMessage);
}

export async function delegationCards(em: EntityManager, delegationId: string): Promise<StoredMessage[]> {
  const rows = await em.execute<MessageRow[]>(`select ${MESSAGE_COLUMNS} from slack_message where delegation_id = ? and kind = 'delegate' order by created_at`, [delegationId]);
  return rows.map(toMessage);
}

export async function messagesOf(em: EntityManager, teamId: string, submissionId: string): Promise<StoredMessage[]> {
  const rows = await em.execute<MessageRow[]>(`select ${MESSAGE_COLUMNS} from slack_message where team_id = ? and submission_id = ? order by created_at`, [teamId, submissionId]);
  return rows.map(toMessage);
}

// ---- timers ---------------------------------------------------------------------------------------------

export interface TimerRow {
  readonly jobId: string;
  readonly teamId: string;
  readonly name: string;
  readonly payload: Record<string, unknown>;
  readonly fireAt: Date;
  readonly stageInstanceId: string | null;
  readonly delegationId: string | null;
}

/** Records a timer unless it exists; returns true when it is pending (new, or recorded and not yet done). */
export async function recordTimer(em: EntityManager, timer: TimerRow): Promise<boolean> {
  const rows = await em.execute<{ done_at: Date | null }[]>(
    `with inserted as (
       insert into scheduled_timer (job_id, team_id, name, payload, fire_at, stage_instance_id, delegation_id)
       values (?, ?, ?, ?::jsonb, ?, ?, ?) on conflict (job_id) do nothing returning done_at)
     select done_at from inserted union all select done_at from scheduled_timer where job_id = ? and not exists (select 1 from inserted)`,
    [timer.jobId, timer.teamId, timer.name, JSON.stringify(timer.payload), timer.fireAt, timer.stageInstanceId, timer.delegationId, timer.jobId],
  );
  return rows[0]?.done_at === null;
}

/** Marks pending timers of a stage or delegation cancelled; returns their job ids to remove from Redis. */
export async function cancelTimers(em: EntityManager, by: { stageInstanceId: string } | { delegationId: string }): Promise<string[]> {
  const [column, value] = 'stageInstanceId' in by ? ['stage_instance_id', by.stageInstanceId] : ['delegation_id', by.delegationId];
  const rows = await em.execute<{ job_id: string }[]>(
    `update scheduled_timer set done_at = now(), outcome = 'cancelled' where ${column} = ? and done_at is null returning job_id`,
    [value],
  );
  return rows.map((r) => r.job_id);
}

/** Marks a timer done; true for the one caller that did it (a duplicate run gets false). */
export async function finishTimer(em: EntityManager, jobId: string, outcome: 'fired' | 'skipped'): Promise<boolean> {
  const rows = await em.execute<{ job_id: string }[]>(
    `update scheduled_timer set done_at = now(), outcome = ? where job_id = ? and done_at is null returning job_id`,
    [outcome, jobId],
  );
  return rows.length > 0;
}

export async function isTimerPending(em: EntityManager, jobId: string): Promise<boolean> {
  const rows = await em.execute<{ done_at: Date | null }[]>('select done_at from scheduled_timer where job_id = ?', [jobId]);
  return rows.length === 0 || rows[0]?.done_at === null;
}

export async function pendingTimers(em: EntityManager, teams: TeamScope, afterJobId: string, limit: number): Promise<TimerRow[]> {
  const scope = teamFilter('team_id', teams);
  const rows = await em.execute<{ job_id: string; team_id: string; name: string; payload: Record<string, unknown>; fire_at: Date; stage_instance_id: string | null; delegation_id: string | null }[]>(
    `select job_id, team_id, name, payload, fire_at, stage_instance_id, delegation_id from scheduled_timer
     where done_at is null and job_id > ?${scope.sql} order by job_id limit ?`,
    [afterJobId, ...scope.params, limit],
  );
  return rows.map((r) => ({ jobId: r.job_id, teamId: r.team_id, name: r.name, payload: r.payload, fireAt: new Date(r.fire_at), stageInstanceId: r.stage_instance_id, delegationId: r.delegation_id }));
}

/** Open stages whose SLA timer was never recorded (their stage.opened delivery was lost or is still on its way). */
export async function openStagesWithoutTimers(em: EntityManager, teams: TeamScope, limit: number): Promise<{ teamId: string; submissionId: string; stageInstanceId: string }[]> {
  const scope = teamFilter('s.team_id', teams);
  const rows = await em.execute<{ team_id: string; submission_id: string; id: string }[]>(
    `select s.team_id, si.submission_id, si.id from stage_instance si join submission s on s.id = si.submission_id
     where si.status = 'open' and s.status in ('submitted', 'in_review')${scope.sql}
       and not exists (select 1 from scheduled_timer t where t.job_id = 'sla-' || si.id::text)
     order by si.due_at limit ?`,
    [...scope.params, limit],
  );
  return rows.map((r) => ({ teamId: r.team_id, submissionId: r.submission_id, stageInstanceId: r.id }));
}

/** Delegations still to start or end whose timers were never recorded. */
export async function delegationsWithoutTimers(em: EntityManager, teams: TeamScope, limit: number): Promise<{ teamId: string; id: string; startsAt: Date; endsAt: Date }[]> {
  const scope = teamFilter('d.team_id', teams);
  const rows = await em.execute<{ team_id: string; id: string; starts_at: Date; ends_at: Date }[]>(
    `select d.team_id, d.id, d.starts_at, d.ends_at from delegation d
     where d.revoked_at is null and d.ends_at > now() - interval '1 day'${scope.sql}
       and not exists (select 1 from scheduled_timer t where t.job_id = 'delegation-end-' || d.id::text)
     order by d.ends_at limit ?`,
    [...scope.params, limit],
  );
  return rows.map((r) => ({ teamId: r.team_id, id: r.id, startsAt: new Date(r.starts_at), endsAt: new Date(r.ends_at) }));
}

// ---- stages and delegations the worker acts on ----------------------------------------------------------

/** Open stages of active requests in which `userId` was asked (the caller re-checks who is still pending). */
export async function openStagesAsking(em: EntityManager, teamId: string, userId: string, workflowKey: string | null): Promise<{ submissionId: string; stageInstanceId: string }[]> {
  const rows = await em.execute<{ submission_id: string; id: string }[]>(
    `select si.submission_id, si.id from stage_instance si join submission s on s.id = si.submission_id
     where s.team_id = ? and s.status in ('submitted', 'in_review') and si.status = 'open' and si.pool @> ?::jsonb
       and (?::text is null or s.workflow_key = ?)
     order by si.opened_at`,
    [teamId, JSON.stringify([userId]), workflowKey, workflowKey],
  );
  return rows.map((r) => ({ submissionId: r.submission_id, stageInstanceId: r.id }));
}

export interface DelegationRow {
  readonly id: string;
  readonly teamId: string;
  readonly fromUserId: string;
  readonly toUserId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly workflowKey: string | null;
  readonly revokedAt: Date | null;
}
interface DelegationRecord { id: string; team_id: string; from_user_id: string; to_user_id: string; starts_at: Date; ends_at: Date; workflow_key: string | null; revoked_at: Date | null }
const toDelegation = (r: DelegationRecord): DelegationRow => ({
  id: r.id, teamId: r.team_id, fromUserId: r.from_user_id, toUserId: r.to_user_id, startsAt: new Date(r.starts_at), endsAt: new Date(r.ends_at),
  workflowKey: r.workflow_key, revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});

export async function findDelegation(em: EntityManager, id: string): Promise<DelegationRow | null> {
  const rows = await em.execute<DelegationRecord[]>('select id, team_id, from_user_id, to_user_id, starts_at, ends_at, workflow_key, revoked_at from delegation where id = ?', [id]);
  return rows[0] ? toDelegation(rows[0]) : null;
}

/** Delegations in force now from any of `fromUserIds` covering `workflowKey`. */
export async function activeDelegationsFrom(em: EntityManager, teamId: string, fromUserIds: readonly string[], workflowKey: string, at: Date): Promise<DelegationRow[]> {
  if (fromUserIds.length === 0) return [];
  const rows = await em.execute<DelegationRecord[]>(
    `select id, team_id, from_user_id, to_user_id, starts_at, ends_at, workflow_key, revoked_at from delegation
     where team_id = ? and from_user_id in (select jsonb_array_elements_text(?::jsonb)) and revoked_at is null
       and starts_at <= ? and ends_at > ? and (workflow_key is null or workflow_key = ?)`,
    [teamId, JSON.stringify(fromUserIds), at, at, workflowKey],
  );
  return rows.map(toDelegation);
}

// ---- outbox ---------------------------------------------------------------------------------------------

export interface OutboxRow {
  readonly id: number;
  readonly teamId: string;
  readonly submissionId: string | null;
  readonly topic: string;
  readonly payload: Record<string, unknown>;
}
interface OutboxRecord { id: string | number; team_id: string; submission_id: string | null; topic: string; payload: Record<string, unknown> }
const toOutbox = (r: OutboxRecord): OutboxRow => ({ id: Number(r.id), teamId: r.team_id, submissionId: r.submission_id, topic: r.topic, payload: r.payload });

/**
 * Locks the next relayable rows in id order, skipping rows another relay holds. A row waits while an earlier
 * row of the same submission is unrelayed (locked by another relay or not yet due), so each submission's
 * messages reach the queue in order. Call inside a transaction; the locks last until it ends.
 */
export async function lockRelayable(em: EntityManager, teams: TeamScope, limit: number): Promise<OutboxRow[]> {
  const scope = teamFilter('o.team_id', teams);
  const rows = await em.execute<OutboxRecord[]>(
    `select o.id, o.team_id, o.submission_id, o.topic, o.payload from outbox o
     where o.relayed_at is null and o.available_at <= now()${scope.sql}
       and (o.submission_id is null or not exists (
         select 1 from outbox e where e.submission_id = o.submission_id and e.relayed_at is null and e.id < o.id))
     order by o.id limit ? for update of o skip locked`,
    [...scope.params, limit],
  );
  return rows.map(toOutbox);
}

export async function markRelayed(em: EntityManager, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await em.execute('update outbox set relayed_at = now(), attempts = attempts + 1 where id in (select (jsonb_array_elements_text(?::jsonb))::bigint)', [JSON.stringify(ids)]);
}

export async function markRelayFailed(em: EntityManager, ids: readonly number[], error: string, retryAt: Date): Promise<void> {
  if (ids.length === 0) return;
  await em.execute(
    'update outbox set attempts = attempts + 1, last_error = ?, available_at = ? where id in (select (jsonb_array_elements_text(?::jsonb))::bigint)',
    [error.slice(0, 2000), retryAt, JSON.stringify(ids)],
  );
}

export async function markProcessed(em: EntityManager, id: number): Promise<void> {
  await em.execute('update outbox set processed_at = now() where id = ? and processed_at is null', [id]);
}

/** Rows relayed before `relayedBefore` whose job never finished: candidates for re-enqueueing. */
export async function relayedUnprocessed(em: EntityManager, teams: TeamScope, relayedBefore: Date, afterId: number, limit: number): Promise<OutboxRow[]> {
  const scope = teamFilter('team_id', teams);
  const rows = await em.execute<OutboxRecord[]>(
    `select id, team_id, submission_id, topic, payload from outbox
     where processed_at is null and relayed_at is not null and relayed_at < ? and id > ?${scope.sql} order by id limit ?`,
    [relayedBefore, afterId, ...scope.params, limit],
  );
  return rows.map(toOutbox);
}

export async function hasUnrelayed(em: EntityManager, teams: TeamScope): Promise<boolean> {
  const scope = teamFilter('team_id', teams);
  const rows = await em.execute<{ one: number }[]>(`select 1 as one from outbox where relayed_at is null and available_at <= now()${scope.sql} limit 1`, scope.params);
  return rows.length > 0;
}

// ---- failures and webhooks ------------------------------------------------------------------------------

export async function insertNotificationFailure(em: EntityManager, failure: { teamId: string; messageKey: string; kind: string; recipientId: string | null; submissionId: string | null; error: string; detail: string | null }): Promise<void> {
  await em.execute(
    'insert into notification_failure (team_id, message_key, kind, recipient_id, submission_id, error, detail) values (?, ?, ?, ?, ?, ?, ?)',
    [failure.teamId, failure.messageKey, failure.kind, failure.recipientId, failure.submissionId, failure.error, failure.detail],
  );
}

export async function ensureWebhookSecret(em: EntityManager, teamId: string, workflowKey: string, url: string, fresh: string): Promise<string> {
  const rows = await em.execute<{ secret: string }[]>(
    `with inserted as (insert into webhook_secret (team_id, workflow_key, url, secret) values (?, ?, ?, ?) on conflict do nothing returning secret)
     select secret from inserted union all select secret from webhook_secret where team_id = ? and workflow_key = ? and url = ? and not exists (select 1 from inserted)`,
    [teamId, workflowKey, url, fresh, teamId, workflowKey, url],
  );
  return rows[0]?.secret ?? fresh;
}

export interface WebhookAttempt {
  readonly teamId: string;
  readonly deliveryId: string;
  readonly submissionId: string | null;
  readonly workflowKey: string;
  readonly event: string;
  readonly url: string;
  readonly attempt: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly succeeded: boolean;
}

export async function insertWebhookAttempt(em: EntityManager, a: WebhookAttempt): Promise<void> {
  await em.execute(
    `insert into webhook_delivery (team_id, delivery_id, submission_id, workflow_key, event, url, attempt, status_code, error, duration_ms, succeeded)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [a.teamId, a.deliveryId, a.submissionId, a.workflowKey, a.event, a.url, a.attempt, a.statusCode, a.error, a.durationMs, a.succeeded],
  );
}
