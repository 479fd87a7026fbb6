import { Migration } from '@mikro-orm/migrations';

/**
 * Rate limits of the REST API, kept in PostgreSQL so every app replica counts against the same numbers and no
 * count is lost when a process stops:
 * - api_auth_failure_window: failed authentications (and attempts refused while a source is throttled) per
 *   client address, minute window and audit chain. The first failure of a window is recorded in the trail at
 *   once (`recorded` = 1); the rest are only counted here, and when the window has closed one
 *   `api.auth_failures_counted` event records how many there were (`recorded` catches up with `failures`).
 * - api_request_window: requests per API token and minute window, for the per-token limit.
 */
export class Migration20261203100000_api_rate_limits extends Migration {
  override name = 'Migration20261203100000_api_rate_limits';

  override up(): void {
    this.addSql(`
create table api_auth_failure_window (
  source text not null,
  window_start timestamptz not null,
  chain_id text not null,
  failures int not null check (failures > 0),
  recorded int not null default 0 check (recorded >= 0 and recorded <= failures),
  reasons jsonb not null default '{}'::jsonb,
  primary key (source, window_start, chain_id)
);
create index api_auth_failure_window_uncounted on api_auth_failure_window (window_start) where failures > recorded;

create table api_request_window (
  token_id text not null,
  window_start timestamptz not null,
  requests int not null,
  primary key (token_id, window_start)
);
create index api_request_window_start on api_request_window (window_start);
`);
  }
}
