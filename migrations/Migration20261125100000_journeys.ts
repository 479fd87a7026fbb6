import { Migration } from '@mikro-orm/migrations';

/**
 * What the Slack journeys need from the tables:
 * - A retracted approval gives its author's say back: the one-say indexes count only decisions that stand, so
 *   the same person can approve again after retracting.
 * - A request is revised at most once: a second resubmission from the same notice is refused, even when two
 *   arrive at once.
 * - Why a request ended (a withdrawal's or cancellation's reason) is kept with it, for the reviewers' cards.
 */
export class Migration20261125100000_journeys extends Migration {
  override name = 'Migration20261125100000_journeys';

  override up(): void {
    this.addSql(`
drop index decision_one_say_per_actor;
create unique index decision_one_say_per_actor on decision (stage_instance_id, actor_id)
  where kind in ('approve','reject','request_changes','delegate') and retracted_at is null;
drop index decision_one_say_per_principal;
create unique index decision_one_say_per_principal on decision (stage_instance_id, principal_id)
  where kind in ('approve','reject','request_changes') and retracted_at is null;
create unique index submission_one_revision on submission (predecessor_id) where predecessor_id is not null;
alter table submission add column end_reason text;`);
  }
}
