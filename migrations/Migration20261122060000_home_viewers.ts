import { Migration } from '@mikro-orm/migrations';

/**
 * Who has looked at the app's Home tab lately. Every decision used to redraw the Home tab of everyone it
 * involves; only people who opened the tab recently can be looking at it (Slack sends app_home_opened, and the
 * tab is drawn fresh then), so the worker redraws just theirs.
 */
export class Migration20261122060000_home_viewers extends Migration {
  override name = 'Migration20261122060000_home_viewers';

  override up(): void {
    this.addSql(`
create table home_viewer (
  team_id text not null,
  user_id text not null,
  opened_at timestamptz not null,
  primary key (team_id, user_id)
);`);
  }
}
