import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery survives Redis losing its data and a worker dying mid-post:
 * - delivery_intent: every Slack message and webhook the worker is to send is a row here before its job goes to
 *   Redis, and is marked done when the job finished (delivered, or given up and recorded). Redis only caches the
 *   work: the reconciler adds back the job of any pending intent that Redis no longer holds, and drops finished
 *   intents after a week.
 * - slack_message.post_attempts: posts of a message that may have reached Slack without their ts being recorded
 *   (a timeout, a 5xx, a process killed while waiting for the answer). When it is above zero, the next attempt
 *   looks for the message in the conversation (by its metadata) before posting again.
 * - slack_message.kind gains escalation_notice: the requester is told when a late stage found nobody to escalate
 *   to but the approval admins, or nobody at all.
 * - stage_instance.escalated_via: who an escalation went to (the stage's escalation target, the late reviewers'
 *   managers, the approval admins, or nobody), as the stage.escalated audit event says; null for earlier ones.
 */
export class Migration20261202000000_delivery_intents extends Migration {
  override name = 'Migration20261202000000_delivery_intents';

  override up(): void {
    this.addSql(`
create table delivery_intent (
  job_id text primary key,
  team_id text not null,
  queue text not null check (queue in ('slack', 'webhooks')),
  name text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  done_at timestamptz,
  outcome text check (outcome in ('done', 'failed'))
);
create index delivery_intent_pending on delivery_intent (created_at) where done_at is null;
create index delivery_intent_done on delivery_intent (done_at) where done_at is not null;

alter table slack_message add column post_attempts int not null default 0;
alter table slack_message drop constraint slack_message_kind_check;
alter table slack_message add constraint slack_message_kind_check
  check (kind in ('reviewer','requester','outcome','delegate','reminder','delegation_notice','checkpoint','escalation_notice'));

alter table stage_instance add column escalated_via text check (escalated_via in ('escalation_target', 'managers', 'admins', 'nobody'));
`);
  }
}
