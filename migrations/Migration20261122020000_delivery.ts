import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery: what the worker needs to deliver side effects exactly once and lose nothing when Redis does.
 *
 * - slack_message: the channel and ts of every card and notice we posted, keyed by what it is about, so a
 *   retried job updates the card instead of posting a second one. `claimed_by`/`claimed_at` mark a post in
 *   flight (see src/jobs/card-delivery.ts).
 * - scheduled_timer: every delayed job (SLA, reminder, delegation start/end) is written here before it goes to
 *   Redis; the reconciler re-creates from these rows whatever Redis lost. `done_at` is set when a timer fires
 *   or is cancelled.
 * - outbox.processed_at: set when the worker finished a relayed row, so rows whose job vanished from Redis
 *   after relaying are found and enqueued again.
 * - notification_failure / webhook_delivery: what admins see when Slack refuses a message for good, and every
 *   webhook delivery attempt.
 * - webhook_secret: the HMAC-SHA256 key per (workspace, workflow, url), created when the workflow is published.
 *   Stored in clear because signing needs it; admins read it with services.delivery.webhookSecret.
 */
export class Migration20261122020000_delivery extends Migration {
  override name = 'Migration20261122020000_delivery';

  override up(): void {
    this.addSql(`
create table slack_message (
  team_id text not null,
  key text not null,
  kind text not null check (kind in ('reviewer','requester','outcome','delegate','reminder','delegation_notice','checkpoint')),
  submission_id uuid,
  stage_instance_id uuid,
  delegation_id uuid,
  recipient_id text not null,
  channel text,
  ts text,
  thread_ts text,
  claimed_by text,
  claimed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (team_id, key)
);
create index slack_message_stage on slack_message (stage_instance_id) where stage_instance_id is not null;
create index slack_message_submission on slack_message (submission_id) where submission_id is not null;
create index slack_message_delegation on slack_message (delegation_id) where delegation_id is not null;

create table scheduled_timer (
  job_id text primary key,
  team_id text not null,
  name text not null,
  payload jsonb not null,
  fire_at timestamptz not null,
  stage_instance_id uuid,
  delegation_id uuid,
  created_at timestamptz not null default now(),
  done_at timestamptz,
  outcome text check (outcome in ('fired','cancelled','skipped'))
);
create index scheduled_timer_pending on scheduled_timer (fire_at) where done_at is null;
create index scheduled_timer_stage on scheduled_timer (stage_instance_id) where done_at is null;
create index scheduled_timer_delegation on scheduled_timer (delegation_id) where done_at is null;

alter table outbox add column processed_at timestamptz;
create index outbox_unprocessed on outbox (id) where processed_at is null;

create table notification_failure (
  id bigserial primary key,
  team_id text not null,
  message_key text not null,
  kind text not null,
  recipient_id text,
  submission_id uuid,
  error text not null,
  detail text,
  created_at timestamptz not null default now()
);
create index notification_failure_team on notification_failure (team_id, created_at desc);

create table webhook_secret (
  team_id text not null,
  workflow_key text not null,
  url text not null,
  secret text not null,
  created_at timestamptz not null default now(),
  primary key (team_id, workflow_key, url)
);

create table webhook_delivery (
  id bigserial primary key,
  team_id text not null,
  delivery_id text not null,
  submission_id uuid,
  workflow_key text not null,
  event text not null,
  url text not null,
  attempt int not null,
  status_code int,
  error text,
  duration_ms int not null,
  succeeded boolean not null,
  attempted_at timestamptz not null default now()
);
create index webhook_delivery_team on webhook_delivery (team_id, attempted_at desc);
create index webhook_delivery_delivery on webhook_delivery (delivery_id, attempt);
`);
  }
}
