import { Migration } from '@mikro-orm/migrations';

/**
 * Queue views: finding the open stages that ask one person (the Home tab, its refresh after every decision)
 * without reading every open stage's pool. A GIN index over open stages' pools answers `pool @> '["U…"]'`.
 */
export class Migration20261122050000_queue_views extends Migration {
  override name = 'Migration20261122050000_queue_views';

  override up(): void {
    this.addSql(`create index stage_instance_open_pool on stage_instance using gin (pool jsonb_path_ops) where status = 'open';`);
  }
}
