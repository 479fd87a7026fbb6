import { Migration } from '@mikro-orm/migrations';

/**
 * An API Idempotency-Key is bound to the request it first came with: its method and path are kept next to the
 * fingerprint of its body, so the same key sent with another request is refused saying what differs. Keys
 * stored before this were only ever taken by POST /api/v1/submissions.
 */
export class Migration20261203000000_idempotency_binding extends Migration {
  override name = 'Migration20261203000000_idempotency_binding';

  override up(): void {
    this.addSql(`
alter table api_idempotency add column method text, add column path text;
update api_idempotency set method = 'POST', path = '/api/v1/submissions' where method is null;
alter table api_idempotency alter column method set not null, alter column path set not null;
`);
  }
}
