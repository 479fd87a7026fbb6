import type { MessageKind } from '../domain/index.ts';
import { sql, textArray, type Sql, type SqlRow, type SqlRunner } from './sql.ts';

/** What a Slack message the worker posts is about; `key` is unique per workspace, so retries find it. */
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
  /** The version of what the message shows (see DeliverOptions.version); null when not known. */
  readonly drawnVersion: string | null;
}

/**
 * What a job may do with a message key: post it (`uncertain` when an earlier post may have reached Slack without
 * its ts being recorded, so the conversation must be searched first; `since` is when the first attempt began),
 * update the message already posted, or wait for another job that is posting it now.
 */
export type Claim =
  | { readonly state: 'post'; readonly uncertain: boolean; readonly since: Date }
  | { readonly state: 'update'; readonly channel: string; readonly ts: string; readonly drawnVersion: string | null }
  | { readonly state: 'busy' };

const COLUMNS = sql`team_id, key, kind, submission_id, stage_instance_id, delegation_id, recipient_id, channel, ts, claimed_by, drawn_version`;
const toMessage = (r: SqlRow): StoredMessage => ({
  teamId: r.team_id as string, key: r.key as string, kind: r.kind as MessageKind, submissionId: r.submission_id as string | null,
  stageInstanceId: r.stage_instance_id as string | null, delegationId: r.delegation_id as string | null, recipientId: r.recipient_id as string,
  channel: r.channel as string | null, ts: r.ts as string | null, claimedBy: r.claimed_by as string | null,
  drawnVersion: r.drawn_version as string | null,
});

/** Records that several messages were updated, each to show its version; null when there are none. */
export function drawnVersionsUpdate(teamId: string, drawn: readonly { readonly key: string; readonly version: string }[]): Sql | null {
  if (drawn.length === 0) return null;
  return sql`update slack_message m set drawn_version = d.version, updated_at = now()
    from (select unnest(${textArray(drawn.map((d) => d.key))}) as key, unnest(${textArray(drawn.map((d) => d.version))}) as version) d
    where m.team_id = ${teamId} and m.key = d.key`;
}

/** The slack_message ledger: which message was posted where, so a retried job updates instead of posting again. */
export function createSlackMessageRepository(db: SqlRunner) {
  const rows = async (statement: ReturnType<typeof sql>): Promise<SqlRow[]> => (await db.run([statement]))[0] ?? [];

  async function find(teamId: string, key: string): Promise<StoredMessage | null> {
    const [row] = await rows(sql`select ${COLUMNS} from slack_message where team_id = ${teamId} and key = ${key}`);
    return row ? toMessage(row) : null;
  }

  return {
    find,
    /**
     * Before posting, a job claims the message's key. It may post when the key is new, when the previous claim
     * is its own (the same job retried after its process died) or stale. If the message was already posted, it
     * gets the channel and ts to update. Another live claim means another job is posting it right now. Each
     * claim to post counts a post attempt, taken back only when Slack said for sure that it did not post.
     */
    async claim(ref: MessageRef, claimant: string, staleBefore: Date): Promise<Claim> {
      const won = await rows(sql`insert into slack_message (team_id, key, kind, submission_id, stage_instance_id, delegation_id, recipient_id, claimed_by, claimed_at, post_attempts)
        values (${ref.teamId}, ${ref.key}, ${ref.kind}, ${ref.submissionId}, ${ref.stageInstanceId}, ${ref.delegationId}, ${ref.recipientId}, ${claimant}, now(), 1)
        on conflict (team_id, key) do update set claimed_by = excluded.claimed_by, claimed_at = now(), updated_at = now(), post_attempts = slack_message.post_attempts + 1
          where slack_message.ts is null
            and (slack_message.claimed_by is null or slack_message.claimed_by = excluded.claimed_by or slack_message.claimed_at < ${staleBefore})
        returning post_attempts, created_at`);
      const [claimed] = won;
      if (claimed) return { state: 'post', uncertain: Number(claimed.post_attempts) > 1, since: new Date(claimed.created_at as string) };
      const existing = await find(ref.teamId, ref.key);
      if (existing?.ts && existing.channel) return { state: 'update', channel: existing.channel, ts: existing.ts, drawnVersion: existing.drawnVersion };
      return { state: 'busy' };
    },
    /**
     * Records where the message went, unless another attempt already recorded a different message for the key
     * (then the caller's post is a duplicate to delete). True when this message is the one on record. `version`
     * is what the post shows, when the caller drew it (null for an earlier attempt's post found in Slack).
     */
    async recordPosted(ref: MessageRef, channel: string, ts: string, threadTs: string | null, version: string | null = null): Promise<boolean> {
      const kept = await rows(sql`insert into slack_message (team_id, key, kind, submission_id, stage_instance_id, delegation_id, recipient_id, channel, ts, thread_ts, drawn_version)
        values (${ref.teamId}, ${ref.key}, ${ref.kind}, ${ref.submissionId}, ${ref.stageInstanceId}, ${ref.delegationId}, ${ref.recipientId}, ${channel}, ${ts}, ${threadTs}, ${version})
        on conflict (team_id, key) do update set channel = excluded.channel, ts = excluded.ts, thread_ts = excluded.thread_ts, drawn_version = excluded.drawn_version,
          claimed_by = null, claimed_at = null, post_attempts = 0, updated_at = now()
          where slack_message.ts is null or (slack_message.ts = excluded.ts and slack_message.channel = excluded.channel)
        returning key`);
      return kept.length > 0;
    },
    /** Slack answered that it did not post (rate limited, refused): the attempt counted by `claim` is taken back. */
    async postNotMade(teamId: string, key: string): Promise<void> {
      await rows(sql`update slack_message set post_attempts = greatest(post_attempts - 1, 0), updated_at = now() where team_id = ${teamId} and key = ${key} and ts is null`);
    },
    /**
     * A job gave up: its claims are released so no message stays claimed with no ts. Their post attempts stay,
     * so whoever posts the message next first looks for a post that may have gone through.
     */
    async releaseClaimsOf(claimant: string): Promise<void> {
      await rows(sql`update slack_message set claimed_by = null, claimed_at = null, updated_at = now() where claimed_by = ${claimant} and ts is null`);
    },
    /** Drops a claim that did not lead to a post, or a record whose message Slack no longer has. */
    async forget(teamId: string, key: string): Promise<void> {
      await rows(sql`delete from slack_message where team_id = ${teamId} and key = ${key}`);
    },
    /** The messages of these keys that are recorded (one round trip for a request's cards). */
    async findMany(teamId: string, keys: readonly string[]): Promise<Map<string, StoredMessage>> {
      if (keys.length === 0) return new Map();
      const found = await rows(sql`select ${COLUMNS} from slack_message where team_id = ${teamId} and key = any(${textArray(keys)})`);
      return new Map(found.map((r) => [r.key as string, toMessage(r)]));
    },
    /** Several messages were updated, each to show its version (one round trip). */
    async drawnMany(teamId: string, drawn: readonly { readonly key: string; readonly version: string }[]): Promise<void> {
      const update = drawnVersionsUpdate(teamId, drawn);
      if (update) await rows(update);
    },
    /** The message was updated to show `version` (so a redraw of the same version can skip Slack). */
    async drawn(teamId: string, key: string, version: string): Promise<void> {
      await rows(sql`update slack_message set drawn_version = ${version}, updated_at = now() where team_id = ${teamId} and key = ${key}`);
    },
    /** Cards about one stage (reviewers, escalation targets, delegates), to refresh when it changes. */
    async ofStage(stageInstanceId: string): Promise<StoredMessage[]> {
      return (await rows(sql`select ${COLUMNS} from slack_message where stage_instance_id = ${stageInstanceId} and kind in ('reviewer', 'delegate') order by created_at`)).map(toMessage);
    },
    /** A delegate's cards of one out-of-office delegation. */
    async ofDelegation(delegationId: string): Promise<StoredMessage[]> {
      return (await rows(sql`select ${COLUMNS} from slack_message where delegation_id = ${delegationId} and kind = 'delegate' order by created_at`)).map(toMessage);
    },
  };
}
export type SlackMessageRepository = ReturnType<typeof createSlackMessageRepository>;
