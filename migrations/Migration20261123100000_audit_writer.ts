import { Migration } from '@mikro-orm/migrations';

/**
 * The audit trail holds against the app's own database role.
 *
 * Only three functions write the audit tables: audit_append (events and chain heads), audit_chain_head_lock
 * (the head's row lock a checkpoint is signed under) and audit_checkpoint_record (stores a checkpoint of the
 * current head). They are SECURITY DEFINER, owned by the role that runs migrations, with a fixed search_path,
 * and they check what they are given: the chain id, the event columns (the function assigns seq, time,
 * prev_hash and hash itself, and hashes the body itself), and that the head is the chain's last row.
 *
 * The app runs as a member of the group role `approvals_app`, which this migration creates (NOLOGIN) when it
 * is missing and grants exactly what the app needs:
 *
 *   - SELECT, INSERT, UPDATE, DELETE on the app's tables, but only SELECT on audit_event, audit_chain_head,
 *     audit_checkpoint and mikro_orm_migrations (the app does not migrate);
 *   - USAGE on the sequences;
 *   - EXECUTE on the three audit functions (revoked from PUBLIC);
 *   - the same table and sequence rights on tables later migrations create (ALTER DEFAULT PRIVILEGES for the
 *     migrating role); a later migration that adds an audit table revokes the write rights on it explicitly.
 *
 * Operators give the app a login of that role, and keep the owner (which can disable triggers) for migrations:
 *
 *   CREATE ROLE approvals_web LOGIN PASSWORD '...' IN ROLE approvals_app;   -- the app's DATABASE_URL
 *   -- or: ALTER ROLE approvals_app LOGIN PASSWORD '...';
 *
 * A migrating role without CREATEROLE needs the group role created once beforehand (CREATE ROLE approvals_app
 * NOLOGIN). The schema's CREATE right is taken from PUBLIC (PostgreSQL 15's default), so nobody else can place
 * a function or table where these definer functions would find it.
 */
export class Migration20261123100000_audit_writer extends Migration {
  override name = 'Migration20261123100000_audit_writer';

  override up(): void {
    this.addSql(`
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'approvals_app') then
    begin
      create role approvals_app nologin;
    exception
      -- Another database of the same server migrating at the same moment created it first.
      when duplicate_object or unique_violation then null;
      when insufficient_privilege then
        raise exception 'the role approvals_app does not exist and % may not create it', current_user
          using hint = 'Run CREATE ROLE approvals_app NOLOGIN as a role with CREATEROLE, then migrate again (see README, Operations: database roles).';
    end;
  end if;
end $$;

-- Appends events to a chain; the only writer of audit_event and audit_chain_head. The caller sends each event's
-- columns (snake_case keys); this assigns sequence numbers, the time and the hashes under the chain head's row
-- lock, held to commit: concurrent appends queue here, so the chain stays linear and gapless. Call it last in
-- a transaction. The hashed body is the jsonb text of the typed row (see docs/audit-format.md); verification
-- computes the same expression from the stored columns (AUDIT_BODY_SQL in src/db/audit-store.ts).
create or replace function audit_append(p_chain text, p_events jsonb) returns table (seq bigint, occurred_at timestamptz, hash text)
language plpgsql security definer as $$
declare
  v_seq bigint;
  v_hash text;
  v_last_seq bigint;
  v_last_hash text;
  v_time timestamptz;
  v_iso text;
  v_body text;
  v_unexpected text;
  e jsonb;
  r audit_event;
begin
  if p_chain is null or p_chain !~ '^([TE][A-Z0-9]{1,40}|system)$' then
    raise exception 'audit_append: % is not a chain id (a Slack team id, or system)', coalesce(p_chain, 'null') using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(p_events) is distinct from 'array' or jsonb_array_length(p_events) = 0 then
    raise exception 'audit_append: the events must be a non-empty JSON array' using errcode = 'invalid_parameter_value';
  end if;
  insert into audit_chain_head as h (chain_id, seq, hash) values (p_chain, 0, repeat('0', 64)) on conflict (chain_id) do nothing;
  select h.seq, h.hash into v_seq, v_hash from audit_chain_head h where h.chain_id = p_chain for update;
  -- The head must be the chain's last row, or the genesis hash before the first row: a chain written around
  -- this function (rows added or cut, a head moved) is refused loudly instead of being built on.
  select a.seq, a.hash into v_last_seq, v_last_hash from audit_event a where a.chain_id = p_chain order by a.seq desc limit 1;
  if v_seq <> coalesce(v_last_seq, 0) or v_hash <> coalesce(v_last_hash, repeat('0', 64)) then
    raise exception 'audit_append: the head of chain % (seq %) is not its last row (seq %, or the genesis hash before row 1): the chain was written without audit_append; run npm run audit:verify',
      p_chain, v_seq, coalesce(v_last_seq, 0) using errcode = 'data_corrupted';
  end if;
  v_time := date_trunc('milliseconds', clock_timestamp());
  v_iso := to_char(v_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  for e in select value from jsonb_array_elements(p_events) loop
    if jsonb_typeof(e) is distinct from 'object' then
      raise exception 'audit_append: each event must be a JSON object' using errcode = 'invalid_parameter_value';
    end if;
    select string_agg(k, ', ' order by k) into v_unexpected from jsonb_object_keys(e) k
     where k <> all (array['event_id', 'type', 'team_id', 'submission_id', 'workflow_key', 'workflow_version', 'stage_instance_id', 'stage_id',
                           'actor_id', 'capacity', 'reason', 'details', 'origin', 'correlation_id', 'trace_id', 'schema_version']);
    if v_unexpected is not null then
      raise exception 'audit_append: % may not be given (the chain, sequence number, time and hashes are assigned here)', v_unexpected using errcode = 'invalid_parameter_value';
    end if;
    -- Typed values first (uuid, int, jsonb), so the body hashed here is the body verification reads back.
    r := jsonb_populate_record(null::audit_event, e);
    if r.team_id is distinct from p_chain then
      raise exception 'audit_append: an event of team % cannot be appended to chain %', coalesce(r.team_id, 'null'), p_chain using errcode = 'invalid_parameter_value';
    end if;
    if r.event_id is null or r.type is null or r.type !~ '^[a-z][a-z_]*\\.[a-z][a-z_]*$' or r.schema_version is distinct from 1
       or jsonb_typeof(r.details) is distinct from 'object' or jsonb_typeof(r.origin) is distinct from 'object'
       or (r.capacity is not null and jsonb_typeof(r.capacity) <> 'object') then
      raise exception 'audit_append: an event needs event_id, a type such as role.updated, schema_version 1, and objects for details, origin and capacity (or no capacity)'
        using errcode = 'invalid_parameter_value';
    end if;
    v_seq := v_seq + 1;
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

-- Locks a chain's head until commit (the lock audit_append takes) and returns it: nothing is appended while a
-- checkpoint of it is signed. Reading a row FOR UPDATE needs UPDATE rights, which the app does not have.
create or replace function audit_chain_head_lock(p_chain text) returns table (seq bigint, hash text)
language sql security definer as $$
  select h.seq, h.hash from audit_chain_head h where h.chain_id = p_chain for update
$$;

-- Stores a signed checkpoint of the chain's current head (its own checkpoint.signed event follows at seq + 1).
-- The signature is checked by audit:verify; here the checkpoint must name the head as it is and state it in
-- its payload, so no checkpoint can be stored for rows the chain does not have.
create or replace function audit_checkpoint_record(p_chain text, p_seq bigint, p_hash text, p_count bigint, p_signed_at timestamptz, p_key_id text, p_payload text, p_signature text)
returns bigint language plpgsql security definer as $$
declare
  v_seq bigint;
  v_hash text;
  v_id bigint;
begin
  select h.seq, h.hash into v_seq, v_hash from audit_chain_head h where h.chain_id = p_chain for update;
  if v_seq is null or v_seq <> p_seq or v_hash <> p_hash or p_count <> p_seq then
    raise exception 'audit_checkpoint_record: a checkpoint must cover the current head of chain % (seq %), not seq %', p_chain, coalesce(v_seq, 0), p_seq
      using errcode = 'invalid_parameter_value';
  end if;
  if p_key_id !~ '^[0-9a-f]{16}$' or p_signature !~ '^[A-Za-z0-9+/]{86}==$'
     or p_payload <> concat_ws(E'\\n', 'audit-checkpoint/v1', 'chain=' || p_chain, 'seq=' || p_seq, 'hash=' || p_hash, 'count=' || p_count,
                              'signed_at=' || to_char(p_signed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'key=' || p_key_id) then
    raise exception 'audit_checkpoint_record: the payload must state exactly the fields given, with a key id and an Ed25519 signature' using errcode = 'invalid_parameter_value';
  end if;
  insert into audit_checkpoint (chain_id, seq, hash, count, signed_at, key_id, payload, signature, event_seq)
  values (p_chain, p_seq, p_hash, p_count, p_signed_at, p_key_id, p_payload, p_signature, p_seq + 1)
  returning id into v_id;
  return v_id;
end $$;

-- Chain heads are only ever moved forward by audit_append; nobody deletes or truncates them.
create or replace function audit_chain_head_reject_removal() returns trigger language plpgsql as $$
begin
  raise exception 'audit_chain_head rows cannot be removed: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end $$;
create trigger audit_chain_head_no_delete before delete on audit_chain_head for each row execute function audit_chain_head_reject_removal();
create trigger audit_chain_head_no_truncate before truncate on audit_chain_head for each statement execute function audit_chain_head_reject_removal();

do $$
declare
  s text := current_schema();
begin
  -- A fixed search_path: pg_catalog first (implicitly), then this schema, the session's temporary schema last.
  execute format('alter function audit_append(text, jsonb) set search_path = %I, pg_temp', s);
  execute format('alter function audit_chain_head_lock(text) set search_path = %I, pg_temp', s);
  execute format('alter function audit_checkpoint_record(text, bigint, text, bigint, timestamptz, text, text, text) set search_path = %I, pg_temp', s);
  execute format('revoke create on schema %I from public', s);

  execute format('grant usage on schema %I to approvals_app', s);
  execute format('grant select, insert, update, delete on all tables in schema %I to approvals_app', s);
  execute format('grant usage, select on all sequences in schema %I to approvals_app', s);
  execute format('alter default privileges in schema %I grant select, insert, update, delete on tables to approvals_app', s);
  execute format('alter default privileges in schema %I grant usage, select on sequences to approvals_app', s);
end $$;

revoke all on audit_event, audit_chain_head, audit_checkpoint, mikro_orm_migrations from public, approvals_app;
grant select on audit_event, audit_chain_head, audit_checkpoint, mikro_orm_migrations to approvals_app;
revoke all on sequence audit_checkpoint_id_seq, mikro_orm_migrations_id_seq from approvals_app;

revoke all on function audit_append(text, jsonb) from public;
revoke all on function audit_chain_head_lock(text) from public;
revoke all on function audit_checkpoint_record(text, bigint, text, bigint, timestamptz, text, text, text) from public;
grant execute on function audit_append(text, jsonb) to approvals_app;
grant execute on function audit_chain_head_lock(text) to approvals_app;
grant execute on function audit_checkpoint_record(text, bigint, text, bigint, timestamptz, text, text, text) to approvals_app;
`);
  }
}
