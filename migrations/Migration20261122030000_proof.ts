import { Migration } from '@mikro-orm/migrations';

/**
 * Proof and integration: signed audit checkpoints, REST API tokens, and the API's idempotency records.
 *
 * audit_checkpoint rows are append-only like audit_event (the signature makes edits detectable anyway, but
 * a deleted checkpoint would silently weaken verification, so the database refuses it too).
 */
export class Migration20261122030000_proof extends Migration {
  override name = 'Migration20261122030000_proof';

  override up(): void {
    this.addSql(`
create table audit_checkpoint (
  id bigserial primary key,
  chain_id text not null,
  seq bigint not null,
  hash text not null,
  count bigint not null,
  signed_at timestamptz not null,
  key_id text not null,
  payload text not null,
  signature text not null,
  -- sequence number of the checkpoint's own 'checkpoint.signed' event (seq + 1): lets the timer skip idle chains
  event_seq bigint not null,
  unique (chain_id, seq)
);

create trigger audit_checkpoint_no_update before update or delete on audit_checkpoint for each row execute function audit_event_reject_change();
create trigger audit_checkpoint_no_truncate before truncate on audit_checkpoint for each statement execute function audit_event_reject_change();

-- Bearer tokens for the REST API. Only the SHA-256 of the token is stored; the token is shown once.
create table api_token (
  id uuid primary key,
  team_id text not null,
  owner_id text not null,
  name text not null,
  scopes jsonb not null,
  token_hash text not null unique,
  created_by text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by text
);
create index api_token_team on api_token (team_id, created_at desc);

-- The first response to an API request carrying an Idempotency-Key; the same key again returns it.
create table api_idempotency (
  team_id text not null,
  token_id uuid not null,
  key text not null,
  request_hash text not null,
  status int,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (team_id, token_id, key)
);

-- Filters of the audit API scan one chain in sequence order.
create index audit_event_actor on audit_event (chain_id, actor_id, seq) where actor_id is not null;
`);
  }
}
