import { Migration } from '@mikro-orm/migrations';

/**
 * The approval core: workflows and versions, submissions and their stages, directory data, idempotency,
 * the outbox and the hash-chained audit trail.
 *
 * Append-only audit trail. Triggers reject UPDATE, DELETE and TRUNCATE on audit_event for every role,
 * including the owner. For production, run the app as a role that cannot even try:
 *
 *   CREATE ROLE approvals_app LOGIN PASSWORD '...';
 *   GRANT USAGE ON SCHEMA public TO approvals_app;
 *   GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO approvals_app;
 *   REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM approvals_app;   -- INSERT and SELECT only
 *   GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO approvals_app;
 *   GRANT EXECUTE ON FUNCTION audit_append(text, jsonb) TO approvals_app;
 *
 * and keep the owner role (which can disable triggers) for migrations only.
 */
export class Migration20261122000000_core extends Migration {
  override name = 'Migration20261122000000_core';

  override up(): void {
    this.addSql(`
create table workflow (
  team_id text not null,
  key text not null,
  name text not null,
  current_version int not null,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (team_id, key)
);

create table workflow_version (
  id uuid primary key,
  team_id text not null,
  workflow_key text not null,
  version int not null,
  definition jsonb not null,
  published_by text not null,
  published_at timestamptz not null default now(),
  unique (team_id, workflow_key, version),
  foreign key (team_id, workflow_key) references workflow (team_id, key) deferrable initially deferred
);

create table submission (
  id uuid primary key,
  team_id text not null,
  workflow_key text not null,
  workflow_version int not null,
  workflow_version_id uuid not null references workflow_version (id) deferrable initially deferred,
  requester_id text not null,
  title text not null,
  fields jsonb not null,
  entity_key text,
  predecessor_id uuid references submission (id) deferrable initially deferred,
  status text not null check (status in ('submitted','in_review','approved','rejected','changes_requested','withdrawn','cancelled')),
  plan jsonb not null,
  skipped_stage_ids jsonb not null default '[]',
  current_step_index int,
  created_at timestamptz not null,
  closed_at timestamptz,
  updated_at timestamptz not null default now()
);
-- Foreign keys are checked at commit: the ORM inserts rows of one unit of work in its own order.
-- One active request per (workflow, entity), enforced where races cannot slip past it.
create unique index submission_one_active_per_entity on submission (team_id, workflow_key, entity_key)
  where entity_key is not null and status in ('submitted','in_review');
create index submission_requester on submission (team_id, requester_id, created_at desc);
create index submission_active on submission (team_id, status) where status in ('submitted','in_review');

create table stage_instance (
  id uuid primary key,
  submission_id uuid not null references submission (id) deferrable initially deferred,
  stage_id text not null,
  name text not null,
  step int not null,
  status text not null check (status in ('open','approved','rejected','changes_requested','closed')),
  rule jsonb not null,
  pool jsonb not null,
  required int not null,
  opened_at timestamptz not null,
  due_at timestamptz not null,
  closed_at timestamptz,
  escalated_at timestamptz
);
create index stage_instance_submission on stage_instance (submission_id);
create index stage_instance_open_due on stage_instance (due_at) where status = 'open';

create table decision (
  id uuid primary key,
  submission_id uuid not null references submission (id) deferrable initially deferred,
  stage_instance_id uuid not null references stage_instance (id) deferrable initially deferred,
  kind text not null check (kind in ('approve','reject','request_changes','delegate','retract','comment')),
  actor_id text not null,
  principal_id text not null,
  capacity jsonb not null,
  reason text,
  delegate_to text,
  decided_at timestamptz not null,
  retracted_at timestamptz
);
create index decision_stage on decision (stage_instance_id);
-- A person has one say per stage, whether they act themselves or someone acts for them.
create unique index decision_one_say_per_actor on decision (stage_instance_id, actor_id)
  where kind in ('approve','reject','request_changes','delegate');
-- A hand-off (delegate) passes the principal's say on, so only the say itself is unique per principal.
create unique index decision_one_say_per_principal on decision (stage_instance_id, principal_id)
  where kind in ('approve','reject','request_changes');

create table stage_grant (
  id bigserial primary key,
  stage_instance_id uuid not null references stage_instance (id) deferrable initially deferred,
  user_id text not null,
  kind text not null check (kind in ('delegate','escalation')),
  on_behalf_of text,
  granted_at timestamptz not null
);
create index stage_grant_stage on stage_grant (stage_instance_id);
create index stage_grant_user on stage_grant (user_id);

create table role (
  team_id text not null,
  name text not null,
  description text not null default '',
  slack_usergroup_id text,
  primary key (team_id, name)
);
create table role_member (
  team_id text not null,
  role_name text not null,
  user_id text not null,
  primary key (team_id, role_name, user_id),
  foreign key (team_id, role_name) references role (team_id, name) on delete cascade
);
create index role_member_user on role_member (team_id, user_id);

create table user_manager (
  team_id text not null,
  user_id text not null,
  manager_id text not null,
  primary key (team_id, user_id)
);

create table app_admin (
  team_id text not null,
  user_id text not null,
  granted_by text not null,
  granted_at timestamptz not null default now(),
  primary key (team_id, user_id)
);

create table delegation (
  id uuid primary key,
  team_id text not null,
  from_user_id text not null,
  to_user_id text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  workflow_key text,
  reason text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  check (ends_at > starts_at),
  check (from_user_id <> to_user_id)
);
create index delegation_to on delegation (team_id, to_user_id) where revoked_at is null;
create index delegation_from on delegation (team_id, from_user_id) where revoked_at is null;

-- The first outcome of every decision key; the same key again returns it and writes nothing.
create table idempotency_record (
  team_id text not null,
  key text not null,
  submission_id uuid,
  outcome jsonb not null,
  created_at timestamptz not null default now(),
  primary key (team_id, key)
);

-- Side effects to perform after commit (cards, timers, webhooks). Relays lock rows with SKIP LOCKED.
create table outbox (
  id bigserial primary key,
  team_id text not null,
  submission_id uuid,
  topic text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  available_at timestamptz not null default now(),
  relayed_at timestamptz,
  attempts int not null default 0,
  last_error text
);
create index outbox_pending on outbox (available_at, id) where relayed_at is null;

create or replace function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('outbox', new.id::text);
  return null;
end $$;
create trigger outbox_notify after insert on outbox for each row execute function outbox_notify();

-- The hash-chained audit trail. One chain per workspace (chain_id = Slack team id): see docs/audit-format.md.
create table audit_chain_head (
  chain_id text primary key,
  seq bigint not null,
  hash text not null
);

create table audit_event (
  chain_id text not null,
  seq bigint not null,
  event_id uuid not null unique,
  occurred_at timestamptz not null,
  type text not null,
  team_id text not null,
  submission_id uuid,
  workflow_key text,
  workflow_version int,
  stage_instance_id uuid,
  stage_id text,
  actor_id text,
  capacity jsonb,
  reason text,
  details jsonb not null,
  origin jsonb not null,
  correlation_id text,
  trace_id text,
  schema_version int not null,
  prev_hash text not null,
  hash text not null,
  primary key (chain_id, seq)
);
create index audit_event_submission on audit_event (submission_id, seq) where submission_id is not null;
create index audit_event_time on audit_event (occurred_at);

create or replace function audit_event_reject_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_event is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end $$;
create trigger audit_event_no_update before update or delete on audit_event for each row execute function audit_event_reject_change();
create trigger audit_event_no_truncate before truncate on audit_event for each statement execute function audit_event_reject_change();

-- Appends events to a chain. The caller sends each event's columns (snake_case keys); this assigns sequence
-- numbers, the time and the hashes under the chain head's row lock, which is held to commit: concurrent
-- appends queue here, so the chain stays linear and gapless. Call it last in a transaction.
-- The hashed body is the jsonb text of the typed row (see docs/audit-format.md); verification computes the
-- same expression from the stored columns (AUDIT_BODY_SQL in src/db/audit-store.ts).
create or replace function audit_append(p_chain text, p_events jsonb) returns table (seq bigint, occurred_at timestamptz, hash text)
language plpgsql as $$
declare
  v_seq bigint;
  v_hash text;
  v_time timestamptz;
  v_iso text;
  v_body text;
  e jsonb;
  r audit_event;
begin
  insert into audit_chain_head as h (chain_id, seq, hash) values (p_chain, 0, repeat('0', 64)) on conflict (chain_id) do nothing;
  select h.seq, h.hash into v_seq, v_hash from audit_chain_head h where h.chain_id = p_chain for update;
  v_time := date_trunc('milliseconds', clock_timestamp());
  v_iso := to_char(v_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  for e in select value from jsonb_array_elements(p_events) loop
    v_seq := v_seq + 1;
    -- Typed values first (uuid, int, jsonb), so the body hashed here is the body verification reads back.
    r := jsonb_populate_record(null::audit_event, e);
    r.chain_id := p_chain;
    r.seq := v_seq;
    r.occurred_at := v_time;
    r.prev_hash := v_hash;
    v_body := pg_catalog.jsonb_build_object(
      'actorId', r.actor_id, 'capacity', r.capacity, 'correlationId', r.correlation_id, 'details', r.details,
      'eventId', r.event_id, 'origin', r.origin, 'reason', r.reason, 'schemaVersion', r.schema_version,
      'stageId', r.stage_id, 'stageInstanceId', r.stage_instance_id, 'submissionId', r.submission_id, 'teamId', r.team_id,
      'traceId', r.trace_id, 'type', r.type, 'workflowKey', r.workflow_key, 'workflowVersion', r.workflow_version)::text;
    r.hash := encode(sha256(convert_to(v_hash || E'\\n' || p_chain || E'\\n' || v_seq::text || E'\\n' || v_iso || E'\\n' || v_body, 'UTF8')), 'hex');
    insert into audit_event select (r).*;
    v_hash := r.hash;
    seq := v_seq; occurred_at := v_time; hash := v_hash;
    return next;
  end loop;
  update audit_chain_head h set seq = v_seq, hash = v_hash where h.chain_id = p_chain;
end $$;
`);
  }
}
